from openservice.web.navigation import navigation_for, role_label


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "role_label": ""}
    return {"nav_items": navigation_for(user), "role_label": role_label(user)}
