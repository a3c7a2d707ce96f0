"""The dispatch board's URLs (mounted under /dispatch/)."""

from django.urls import path

from openservice.dispatch import board_views

urlpatterns = [
    path("", board_views.board, name="board"),
    path("board/assign/", board_views.board_assign, name="board_assign"),
    path("board/appointments/<int:pk>/move/", board_views.board_move, name="board_move"),
    path("board/appointments/<int:pk>/cancel/", board_views.board_cancel, name="board_cancel"),
    path("board/appointments/<int:pk>/pin/", board_views.board_pin, name="board_pin"),
    path("board/propose/", board_views.board_propose, name="board_propose"),
    path("board/proposals/<int:pk>/accept/", board_views.board_accept, name="board_accept"),
    path("board/proposals/<int:pk>/discard/", board_views.board_discard, name="board_discard"),
]
