"""Fleet-wide pages: leaderboard, team roll-up, fleet check view; the plotly.js asset."""

from django.urls import path

from dashboard.views import fleet_assets, fleet_checks, fleet_leaderboard, fleet_teams

urlpatterns = [
    path("", fleet_leaderboard.leaderboard, name="fleet-leaderboard"),
    path("teams/", fleet_teams.teams, name="fleet-teams"),
    path("checks/", fleet_checks.check_list, name="fleet-checks"),
    path("checks/<str:check_id>/", fleet_checks.check_detail, name="fleet-check"),
    path("assets/plotly-<str:version>.min.js", fleet_assets.plotly_js, name="plotly-js"),
]
