"""Why did the score change: compare two scans' check results and evidence.

Pure functions over plain values (no ORM): the compare page loads the rows, this module
explains them.

    flips = check_flips(before, after)             # checks whose effective status changed
    delta = attribute_score_delta(before, after)   # per-dimension delta, split over the flips
    findings = diff_evidence(old_items, new_items) # appeared / went away / persist

Score effects are computed with `scanner.scoring` (the same weights and rungs that scored
the scans), so the numbers here always agree with the stored scores of the rules version
that is running.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scanner import scoring
from scanner.results import NA
from scanner.results import CheckResult as ScannerResult

# Credit order, worst first: a flip towards a later status is an improvement.
_RANK = {"fail": 0, "unknown": 0, "warn": 1, "pass": 2}


@dataclass(frozen=True, slots=True)
class CheckState:
    """The verdict of one check in one scan, as far as scoring cares."""

    status: str
    waived: bool = False

    @property
    def effective(self) -> str:
        """Status scoring uses: a waiver turns anything but na into pass."""
        return scoring.effective_status(ScannerResult("", self.status, waived=self.waived))


@dataclass(frozen=True, slots=True)
class CheckFlip:
    """A check whose effective status changed between two scans, with its score effect.

    `before`/`after` are None when the check did not exist in that scan (a rules-version
    change); `dimension_effects` maps each dimension whose score this flip moved to the
    points it moved, `overall_effect` the points of the overall score.
    """

    check_id: str
    before: str | None
    after: str | None
    dimension_effects: dict[str, float] = field(default_factory=dict)
    overall_effect: float = 0.0

    @property
    def direction(self) -> str:
        """One of better, worse or neutral (e.g. into or out of n/a)."""
        old, new = _RANK.get(self.before or NA), _RANK.get(self.after or NA)
        if old is None or new is None or old == new:
            return "neutral"
        return "better" if new > old else "worse"


@dataclass(frozen=True, slots=True)
class DimensionDelta:
    name: str
    weight: int
    before: float | None
    after: float | None
    # Points per flipped check; they add up to `change` (see attribute_score_delta).
    contributions: dict[str, float] = field(default_factory=dict)

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class ScoreDelta:
    overall_before: float | None
    overall_after: float | None
    dimensions: list[DimensionDelta]
    flips: list[CheckFlip]

    @property
    def overall_change(self) -> float | None:
        if self.overall_before is None or self.overall_after is None:
            return None
        return self.overall_after - self.overall_before


def check_flips(
    before: Mapping[str, CheckState], after: Mapping[str, CheckState]
) -> list[tuple[str, str | None, str | None]]:
    """(check id, old effective status, new effective status) for every change, id order.

    A check missing from one side counts as absent (None), which scoring treats as n/a;
    an absent check that became n/a (or the reverse) is no change worth showing.
    """
    changes = []
    for check_id in sorted(before.keys() | after.keys(), key=_check_order):
        old, new = before.get(check_id), after.get(check_id)
        old_status = old.effective if old else None
        new_status = new.effective if new else None
        if (old_status or NA) != (new_status or NA):
            changes.append((check_id, old_status, new_status))
    return changes


def attribute_score_delta(
    before: Mapping[str, CheckState], after: Mapping[str, CheckState]
) -> ScoreDelta:
    """Score delta per dimension and overall, attributed to the checks that flipped.

    The flips are applied one at a time, in check-id order, to the old results; each
    flip's effect is the score change that step causes. So the effects add up exactly to
    the total change even when flips interact (a rung whose checks all went n/a inherits
    the rung below; a dimension left with only n/a checks drops out of the overall).
    Scores here are unrounded; stored scores are rounded to one decimal.
    """
    current = {check_id: state.effective for check_id, state in before.items()}
    start = _scores(current)
    flips: list[CheckFlip] = []
    contributions: dict[str, dict[str, float]] = defaultdict(dict)
    previous = start
    for check_id, old, new in check_flips(before, after):
        current[check_id] = new or NA
        now = _scores(current)
        effects = _dimension_effects(previous[0], now[0])
        for name, points in effects.items():
            contributions[name][check_id] = points
        flips.append(
            CheckFlip(check_id, old, new, effects, _difference(previous[1], now[1]) or 0.0)
        )
        previous = now
    dimensions = [
        DimensionDelta(
            name=dimension.name,
            weight=dimension.weight,
            before=start[0][dimension.name],
            after=previous[0][dimension.name],
            contributions=contributions.get(dimension.name, {}),
        )
        for dimension in scoring.DIMENSIONS
    ]
    return ScoreDelta(start[1], previous[1], dimensions, flips)


def _scores(statuses: Mapping[str, str]) -> tuple[dict[str, float | None], float | None]:
    """Unrounded dimension scores and overall for check statuses keyed by id."""
    results = {i: ScannerResult(i, status) for i, status in statuses.items()}
    dimensions = [scoring.score_dimension(d, results) for d in scoring.DIMENSIONS]
    counted = [d for d in dimensions if d.included and d.score is not None]
    weight = sum(d.weight for d in counted)
    overall = sum(d.weight * d.score for d in counted) / weight if weight else None
    return {d.name: d.score for d in dimensions}, overall


def _dimension_effects(
    old: Mapping[str, float | None], new: Mapping[str, float | None]
) -> dict[str, float]:
    effects = {}
    for name in old:
        change = _difference(old[name], new[name])
        if change:
            effects[name] = change
    return effects


def _difference(old: float | None, new: float | None) -> float | None:
    """new - old, treating an excluded (None) dimension as contributing nothing."""
    if old is None and new is None:
        return None
    change = (new or 0.0) - (old or 0.0)
    return 0.0 if abs(change) < 1e-9 else change


def _check_order(check_id: str) -> tuple[int, str]:
    # RULES.md order of prefixes, then the id itself ("TYP-002" before "TYP-010").
    prefix = scoring.prefix_of(check_id)
    return (_PREFIX_ORDER.get(prefix, len(_PREFIX_ORDER)), check_id)


_PREFIX_ORDER = {
    prefix: index
    for index, prefix in enumerate(
        [d.own_prefix for d in scoring.DIMENSIONS] + [p for _, p in scoring.GROUPS]
    )
}


# --- findings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One evidence item: where, what, and its line-free identity."""

    check_id: str
    path: str = ""
    line: int | None = None
    snippet: str = ""
    message: str = ""
    fingerprint: str = ""

    @property
    def identity(self) -> tuple[str, ...]:
        # Old rows may lack a fingerprint: fall back to the place and the message.
        if self.fingerprint:
            return (self.check_id, self.fingerprint)
        return (self.check_id, self.path, str(self.line or ""), self.message)


@dataclass(frozen=True, slots=True)
class PersistingFinding:
    before: Finding
    after: Finding

    @property
    def moved(self) -> bool:
        return (self.before.path, self.before.line) != (self.after.path, self.after.line)


@dataclass(frozen=True, slots=True)
class FindingsDiff:
    appeared: list[Finding]
    went_away: list[Finding]
    persisting: list[PersistingFinding]


def diff_evidence(before: Iterable[Finding], after: Iterable[Finding]) -> FindingsDiff:
    """Match findings of two scans by fingerprint, so code that moved is not "new".

    Identical findings (the same snippet twice in one scope) are matched as many times as
    both scans have them; the surplus on either side appeared or went away.
    """
    old_by_identity = _group(before)
    new_by_identity = _group(after)
    appeared: list[Finding] = []
    went_away: list[Finding] = []
    persisting: list[PersistingFinding] = []
    for identity in old_by_identity.keys() | new_by_identity.keys():
        old = old_by_identity.get(identity, [])
        new = new_by_identity.get(identity, [])
        persisting.extend(PersistingFinding(o, n) for o, n in zip(old, new, strict=False))
        appeared.extend(new[len(old) :])
        went_away.extend(old[len(new) :])
    return FindingsDiff(
        appeared=sorted(appeared, key=_finding_order),
        went_away=sorted(went_away, key=_finding_order),
        persisting=sorted(persisting, key=lambda p: _finding_order(p.after)),
    )


def _group(findings: Iterable[Finding]) -> dict[tuple[str, ...], list[Finding]]:
    grouped: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=_finding_order):
        grouped[finding.identity].append(finding)
    return grouped


def _finding_order(finding: Finding) -> tuple:
    return (_check_order(finding.check_id), finding.path, finding.line or 0, finding.message)
