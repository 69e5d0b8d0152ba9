"""Fleet check view (work in progress)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def check_list(request):
    return render(request, "fleet/placeholder.html", {"nav_section": "checks"})


@login_required
def check_detail(request, check_id):
    return render(request, "fleet/placeholder.html", {"nav_section": "checks"})
