"""Fleet check view: `/checks/` (every check's fleet pass rate, by dimension) and
`/checks/<id>/` (one check across all services: who passes, who fails, since when)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.queries.fleet import (
    check_across_fleet,
    check_rates,
    check_status_counts,
    checks_meta,
)

# Order of the status sections on one check's page: what needs attention first.
SECTIONS = (
    ("fail", "Failing"),
    ("warn", "Warning"),
    ("unknown", "Unknown"),
    ("waived", "Waived"),
    ("pass", "Passing"),
    ("na", "Not applicable"),
)
# Sections shown as a count and a link (hundreds of services, rarely acted on); the link
# lists one of them, LIST_PAGE_SIZE services a page.
FOLDED = ("pass", "na")
LIST_PAGE_SIZE = 100


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    return render(request, "fleet/checks.html", {"nav_section": "checks", "groups": check_rates()})


@login_required
def check_detail(request: HttpRequest, check_id: str) -> HttpResponse:
    meta = checks_meta().get(check_id)
    if meta is None:
        raise Http404(f"No check {check_id}")
    counts = check_status_counts(check_id)
    listed = request.GET.get("status") if request.GET.get("status") in FOLDED else None
    rows = section_rows(
        check_id, [key for key, _ in SECTIONS if key not in FOLDED or key == listed]
    )
    page = None
    if listed:
        page = Paginator(rows[listed], LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        rows[listed] = page.object_list
    sections = [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "folded": key not in rows,
            "rows": rows.get(key, []),
            "page_obj": page if key == listed else None,
        }
        for key, label in SECTIONS
    ]
    context = {
        "nav_section": "checks",
        "check": meta,
        "total": sum(counts.values()),
        "sections": sections,
    }
    return render(request, "fleet/check_detail.html", context)


def section_rows(check_id: str, keys: list[str]) -> dict[str, list]:
    """The services under each of these status keys, longest-failing first in "fail"."""
    rows: dict[str, list] = {key: [] for key in keys}
    for row in check_across_fleet(check_id, keys):
        rows["waived" if row.waived else row.status].append(row)
    # Longest-failing first: the oldest streak is the one nobody has picked up.
    rows["fail"].sort(key=lambda row: (row.failing_since is None, row.failing_since))
    return rows
