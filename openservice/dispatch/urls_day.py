"""The technician's day URLs (mounted under /dispatch/)."""

urlpatterns = []
