"""The dispatch board's URLs (mounted under /dispatch/)."""

urlpatterns = []
