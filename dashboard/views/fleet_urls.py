"""Fleet-wide pages: leaderboard, team roll-up, fleet check view."""

urlpatterns: list = []
