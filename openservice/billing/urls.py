from django.urls import path

from openservice.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_create, name="create"),
    path("run/", views.billing_run, name="run"),
    path("run/post/", views.billing_run_post, name="run_post"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/lines/new/", views.line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_id>/remove/", views.line_remove, name="line_remove"),
    path("<int:pk>/delete/", views.invoice_delete, name="delete"),
    path("<int:pk>/post/", views.invoice_post, name="post"),
    path("<int:pk>/credit/", views.invoice_credit, name="credit"),
]
