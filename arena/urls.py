"""The arena's pages (the `arena` namespace)."""

from django.urls import path

from arena import pages

app_name = "arena"

urlpatterns = [
    path("arena/", pages.index, name="index"),
    path("arena/battles", pages.battle_create, name="create"),
    path("arena/b/<uuid:pk>/", pages.battle_detail, name="battle"),
    path("arena/b/<uuid:pk>/send", pages.battle_send, name="send"),
    path("arena/b/<uuid:pk>/vote", pages.battle_vote, name="vote"),
    path("arena/turns/<str:token>/stream", pages.turn_stream, name="stream"),
    path("arena/turns/<str:token>/stop", pages.turn_stop, name="stop"),
    path("arena/leaderboard/", pages.leaderboard_page, name="leaderboard"),
    path("arena/shortlist/", pages.shortlist, name="shortlist"),
    path("arena/replay", pages.replay, name="replay"),
]
