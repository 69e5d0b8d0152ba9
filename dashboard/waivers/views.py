"""Waiver pages: the fleet's waivers, one service's waivers with the add form, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dashboard.accounts.decorators import role_required
from dashboard.accounts.roles import MAINTAINER, VIEWER, has_role
from dashboard.models import Repository, Waiver, WaiverEvent
from dashboard.waivers import service
from dashboard.waivers.forms import RevokeForm, WaiverForm

HISTORY_ROWS = 50


@role_required(VIEWER)
def waiver_list(request):
    """Every waiver across the fleet, live ones first, and the latest history."""
    waivers = Waiver.objects.select_related("repository").order_by(
        "revoked_at", "expires_on", "repository__name"
    )[:500]
    events = WaiverEvent.objects.select_related("waiver__repository")[:HISTORY_ROWS]
    return render(request, "waivers/list.html", {"waivers": waivers, "events": events})


@role_required(VIEWER)
@require_http_methods(["GET", "POST"])
def service_waivers(request, name: str):
    """One service's waivers and history; maintainers add one here (POST)."""
    repository = get_object_or_404(Repository, name=name)
    can_edit = has_role(request.user, MAINTAINER)
    form = WaiverForm(repository=repository, initial={"check_id": request.GET.get("check")})
    if request.method == "POST":
        if not can_edit:  # ViewerReadOnlyMiddleware refuses first; this is the view's own
            raise PermissionDenied("Only maintainers can waive checks.")
        form = WaiverForm(request.POST, repository=repository)
        if form.is_valid():
            waiver = service.add_waiver(repository, user=request.user, **form.cleaned_data)
            messages.success(request, f"{waiver.check_id} is now {_verb(waiver)} until "
                                      f"{waiver.expires_on:%Y-%m-%d}.")
            return redirect("service-waivers", name=repository.name)
    context = {
        "repository": repository,
        "form": form,
        "can_edit": can_edit,
        "waivers": repository.waivers.all(),
        "events": WaiverEvent.objects.filter(waiver__repository=repository)[:HISTORY_ROWS],
    }
    return render(request, "waivers/service.html", context, status=400 if form.errors else 200)


@role_required(MAINTAINER)
@require_POST
def revoke(request, name: str, waiver_id: int):
    waiver = get_object_or_404(Waiver, pk=waiver_id, repository__name=name)
    form = RevokeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if service.revoke_waiver(waiver, request.user, note):
        messages.success(request, f"The waiver of {waiver.check_id} is revoked.")
    else:
        messages.info(request, f"The waiver of {waiver.check_id} was already revoked.")
    return redirect("service-waivers", name=name)


def _verb(waiver: Waiver) -> str:
    return "attested" if waiver.kind == "attest" else "waived"
