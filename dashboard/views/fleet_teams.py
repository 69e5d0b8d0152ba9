"""Team roll-up at `/teams/`: each team's services, mean and worst score, bands, P0 failures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.queries.fleet import team_rollups


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    return render(request, "fleet/teams.html", {"nav_section": "teams", "teams": team_rollups()})
