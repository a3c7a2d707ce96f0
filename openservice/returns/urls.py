from django.urls import path

from openservice.returns import replacement_views, views

app_name = "returns"


def _line(action: str):
    return path(
        f"<int:pk>/lines/<int:line_id>/{action}/",
        views.line_action,
        {"action": action},
        name=f"line_{action}",
    )


urlpatterns = [
    path("", views.return_list, name="list"),
    path("new/", views.return_create, name="create"),
    path("request/", views.return_request, name="request"),
    path("replacements/", replacement_views.replacement_list, name="replacements"),
    path(
        "replacements/<int:pk>/ship/", replacement_views.replacement_ship, name="replacement_ship"
    ),
    path("orders/<int:pk>/", views.order_section, name="order_section"),
    path("<int:pk>/", views.return_detail, name="detail"),
    path("<int:pk>/edit/", views.return_edit, name="edit"),
    path("<int:pk>/process/", views.return_process, name="process"),
    path("<int:pk>/cancel/", views.return_cancel, name="cancel"),
    path("<int:pk>/close/", views.return_close, name="close"),
    *(_line(action) for action in views.LINE_ACTIONS),
]
