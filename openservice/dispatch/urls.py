"""Dispatch pages: the dispatch board (dispatchers and managers) and the technician's day."""

from openservice.dispatch import urls_board, urls_day

app_name = "dispatch"

urlpatterns = [*urls_board.urlpatterns, *urls_day.urlpatterns]
