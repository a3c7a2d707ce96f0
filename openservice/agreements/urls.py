from django.urls import path

from openservice.agreements import views

app_name = "agreements"

# The agreement's generated orders and forecast (/agreements/<pk>/orders/, .../forecast/) are
# pages of the orders app: see openservice/orders/agreement_urls.py.
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/status/", views.agreement_change_status, name="change_status"),
    path("<int:pk>/renew/", views.agreement_renew, name="renew"),
    path("<int:pk>/lines/new/", views.line_create, name="line_create"),
    path("<int:pk>/lines/<int:line_id>/edit/", views.line_edit, name="line_edit"),
    path("<int:pk>/lines/<int:line_id>/delete/", views.line_delete, name="line_delete"),
    path("<int:pk>/copy-lines/", views.copy_lines, name="copy_lines"),
]
