"""Evidence retention: the newest N scans of a repository keep their evidence in full.

Older scans keep their statuses, metrics, evidence counts and scores (trends and history
need those) and lose only the Evidence rows, which are most of the volume.
"""

from __future__ import annotations

from django.db import transaction

from dashboard.models import Evidence, Repository, Scan, ScanState

_WITH_RESULTS = (ScanState.SUCCEEDED, ScanState.NOT_APPLICABLE)


def prune_evidence(repository_id: int, *, keep: int) -> int:
    """Delete the evidence of all but the newest `keep` result-bearing scans; return how many
    scans were pruned now."""
    ids = list(
        Scan.objects.filter(repository_id=repository_id, state__in=_WITH_RESULTS)
        .order_by("-queued_at", "-pk")
        .values_list("pk", flat=True)[keep:]
    )
    if not ids:
        return 0
    with transaction.atomic():
        stale = list(
            Scan.objects.filter(pk__in=ids, evidence_pruned=False).values_list("pk", flat=True)
        )
        if stale:
            Evidence.objects.filter(check_result__scan_id__in=stale).delete()
            Scan.objects.filter(pk__in=stale).update(evidence_pruned=True)
    return len(stale)


def prune_all(*, keep: int) -> int:
    """Apply retention to every repository (after lowering the setting, say)."""
    return sum(
        prune_evidence(pk, keep=keep) for pk in Repository.objects.values_list("pk", flat=True)
    )
