from django.urls import path

from openservice.orders import generation_views, sla_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_create, name="create"),
    path("sla/", sla_views.sla_monitor, name="sla_monitor"),
    path("generate/", generation_views.generate, name="generate"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/edit/", views.order_edit, name="edit"),
    path("<int:pk>/stage/", views.order_change_stage, name="change_stage"),
    path("<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("<int:pk>/revoke-cancel/", views.order_revoke_cancel, name="revoke_cancel"),
    path("<int:pk>/sign-off/", views.order_sign_off, name="sign_off"),
    path("<int:pk>/post/", views.order_post, name="post"),
    path("<int:pk>/sla/<str:action>/", sla_views.order_sla_action, name="sla_action"),
    path("<int:pk>/lines/", views.order_line_add, name="line_add"),
    path("<int:pk>/lines/<int:line_id>/cancel/", views.order_line_cancel, name="line_cancel"),
    path("<int:pk>/work-description/", views.work_description, name="work_description"),
    path("<int:pk>/work-receipt/", views.work_receipt, name="work_receipt"),
]
