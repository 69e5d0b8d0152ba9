"""Fleet check view: `/checks/` (every check's fleet pass rate, by dimension) and
`/checks/<id>/` (one check across all services: who passes, who fails, since when)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.queries.fleet import check_across_fleet, check_rates, checks_meta

# Order of the status sections on one check's page: what needs attention first.
SECTIONS = (
    ("fail", "Failing"),
    ("warn", "Warning"),
    ("unknown", "Unknown"),
    ("waived", "Waived"),
    ("pass", "Passing"),
    ("na", "Not applicable"),
)


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    return render(request, "fleet/checks.html", {"nav_section": "checks", "groups": check_rates()})


@login_required
def check_detail(request: HttpRequest, check_id: str) -> HttpResponse:
    meta = checks_meta().get(check_id)
    if meta is None:
        raise Http404(f"No check {check_id}")
    rows = check_across_fleet(check_id)
    sections = {key: [] for key, _ in SECTIONS}
    for row in rows:
        sections["waived" if row.waived else row.status].append(row)
    # Longest-failing first: the oldest streak is the one nobody has picked up.
    sections["fail"].sort(key=lambda row: (row.failing_since is None, row.failing_since))
    context = {
        "nav_section": "checks",
        "check": meta,
        "total": len(rows),
        "sections": [(key, label, sections[key]) for key, label in SECTIONS],
        "counts": {key: len(items) for key, items in sections.items()},
    }
    return render(request, "fleet/check_detail.html", context)
