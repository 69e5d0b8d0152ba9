"""Roll check results up into the numbers people read (RULES.md section 2).

Pure functions over `CheckResult`s: nothing here sees a syntax tree or a file. The tables
below are the requirement's tables written as data, so a rules-version change is a diff of
this module's constants and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scanner.results import FAIL, NA, PASS, UNKNOWN, WARN, CheckResult


@dataclass(frozen=True, slots=True)
class Dimension:
    """A weighted dimension: its own id prefix and four rungs (25, 50, 75, 100)."""

    name: str
    weight: int
    own_prefix: str
    rungs: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


# Table 2.3, in the order RULES.md lists the dimensions (reports keep this order).
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "type_safety",
        15,
        "TYP",
        (
            ("TYP-001",),
            ("TYP-002", "TYP-003"),
            ("TYP-004", "TYP-005", "TYP-006", "TYP-007"),
            ("TYP-008",),
        ),
    ),
    Dimension(
        "error_handling",
        15,
        "ERR",
        (("ERR-005",), ("ERR-001",), ("ERR-002", "ERR-003", "ERR-004"), ("ERR-006",)),
    ),
    Dimension(
        "testing",
        15,
        "TST",
        (
            ("TST-001",),
            ("TST-002", "TST-009"),
            ("TST-003", "TST-004", "TST-005", "TST-006", "TST-008"),
            ("TST-007",),
        ),
    ),
    Dimension(
        "security",
        15,
        "SEC",
        (
            ("SEC-005", "SEC-009", "SEC-012"),
            ("SEC-001", "SEC-002", "SEC-003", "SEC-004"),
            ("SEC-006", "SEC-007", "SEC-008", "SEC-011"),
            ("SEC-010",),
        ),
    ),
    Dimension(
        "performance",
        10,
        "PERF",
        (("PERF-001",), ("DB-001", "PERF-002"), ("PERF-003", "PERF-004"), ("PERF-005", "PERF-006")),
    ),
    Dimension(
        "observability",
        10,
        "OBS",
        (("OBS-001", "OBS-004"), ("OBS-002", "OBS-003", "OBS-005"), ("OBS-006",), ("OBS-007",)),
    ),
    Dimension(
        "database",
        10,
        "DB",
        (("DB-006",), ("DB-002", "DB-003"), ("DB-001", "DB-004"), ("DB-005",)),
    ),
    Dimension(
        "deployment",
        10,
        "DEP",
        (
            ("DEP-001",),
            ("DEP-002", "DEP-003", "DEP-007"),
            ("DEP-005", "TST-009"),
            ("DEP-004", "DEP-006"),
        ),
    ),
)
DIMENSION_NAMES: tuple[str, ...] = tuple(d.name for d in DIMENSIONS)
OWN_PREFIX: dict[str, str] = {d.name: d.own_prefix for d in DIMENSIONS}
WEIGHTS: dict[str, int] = {d.name: d.weight for d in DIMENSIONS}
RUNG_POINTS = 25

# Table 2.2, in order.
HEALTH_SIGNALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("type_safety", ("TYP-001", "TYP-002", "TYP-003")),
    ("error_handling", ("ERR-001", "ERR-002", "ERR-004")),
    ("auth", ("SEC-001", "SEC-002")),
    ("testing", ("TST-001", "TST-002", "TST-003", "TST-005")),
    ("database", ("DB-001", "DB-002", "DB-006")),
    ("observability", ("OBS-001", "OBS-002")),
    ("deployment", ("DEP-001", "DEP-002", "DEP-004")),
    ("documentation", ("DOC-001", "DOC-002")),
)
HEALTH_CRITICAL_BELOW = 8  # on the /16 scale

# Unweighted groups, shown with a pass rate only.
GROUPS: tuple[tuple[str, str], ...] = (
    ("architecture", "ARC"),
    ("configuration", "CFG"),
    ("documentation", "DOC"),
)

# Lower bound of each band, highest first.
BANDS: tuple[tuple[float, str], ...] = (
    (80.0, "production_grade"),
    (60.0, "solid"),
    (40.0, "needs_work"),
    (0.0, "critical"),
)

_CREDIT = {PASS: 1.0, WARN: 0.5, FAIL: 0.0, UNKNOWN: 0.0}


def prefix_of(check_id: str) -> str:
    """`"PERF-003"` -> `"PERF"`."""
    return check_id.split("-", 1)[0]


def round_half_up(value: float, places: int) -> float:
    """Round like people do (62.25 -> 62.3); `round()` would give 62.2 on this float."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def effective_status(result: CheckResult | None) -> str:
    """The status scoring uses: absent counts as na, a waiver turns anything but na into pass."""
    if result is None or result.status == NA:
        return NA
    return PASS if result.waived else result.status


def credit(result: CheckResult | None) -> float | None:
    """Credit of one check, or None when it is left out of the mean (na or absent)."""
    status = effective_status(result)
    return None if status == NA else _CREDIT[status]


# --- dimensions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One dimension's outcome; score and level are None when the dimension is excluded."""

    name: str
    weight: int
    included: bool
    rungs: tuple[float, ...]
    score: float | None
    level: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "score": None if self.score is None else round_half_up(self.score, 1),
            "level": self.level,
            "weight": self.weight,
            "included": self.included,
            "rungs": [round_half_up(c, 3) for c in self.rungs],
        }


def rung_credits(
    rungs: Iterable[Iterable[str]], results: Mapping[str, CheckResult]
) -> tuple[float, ...]:
    """Mean credit per rung; an all-left-out rung inherits the rung below (1.0 at the bottom).

    Inheriting keeps a missing subject from earning more above the check that failed for it.
    """
    credits: list[float] = []
    below = 1.0
    for check_ids in rungs:
        counted = [c for c in (credit(results.get(i)) for i in check_ids) if c is not None]
        below = sum(counted) / len(counted) if counted else below
        credits.append(below)
    return tuple(credits)


def level_of(rungs: Iterable[float]) -> int:
    """25 x the number of fully met rungs counted from the bottom, stopping at the first gap."""
    met = 0
    for rung in rungs:
        if rung != 1.0:
            break
        met += 1
    return RUNG_POINTS * met


def is_included(dimension: Dimension, results: Mapping[str, CheckResult]) -> bool:
    """A dimension counts unless every one of its own checks is na or absent.

    Foreign checks in its rungs (DB-001 under performance) do not keep it alive.
    """
    own = [i for rung in dimension.rungs for i in rung if prefix_of(i) == dimension.own_prefix]
    return any(effective_status(results.get(i)) != NA for i in own)


def score_dimension(dimension: Dimension, results: Mapping[str, CheckResult]) -> DimensionScore:
    rungs = rung_credits(dimension.rungs, results)
    included = is_included(dimension, results)
    return DimensionScore(
        name=dimension.name,
        weight=dimension.weight,
        included=included,
        rungs=rungs,
        score=RUNG_POINTS * sum(rungs) if included else None,
        level=level_of(rungs) if included else None,
    )


def overall_score(dimensions: Iterable[DimensionScore]) -> float | None:
    """Weighted mean of the included dimensions' scores, one decimal; None if none counts."""
    counted = [d for d in dimensions if d.included and d.score is not None]
    total_weight = sum(d.weight for d in counted)
    if not total_weight:
        return None
    return round_half_up(sum(d.weight * d.score for d in counted) / total_weight, 1)


def band_of(overall: float | None) -> str | None:
    """Band for an overall score (take the rounded one, so 39.95 shown as 40.0 is not critical)."""
    if overall is None:
        return None
    return next(name for floor, name in BANDS if overall >= floor)


# --- quick health /16 -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Health:
    """Quick health: each signal 2/1/0, or None when none of its checks applies."""

    signals: dict[str, int | None]

    @property
    def score(self) -> int:
        return sum(v for v in self.signals.values() if v is not None)

    @property
    def max(self) -> int:
        return 2 * sum(1 for v in self.signals.values() if v is not None)

    @property
    def out_of_16(self) -> float | None:
        """The score rescaled to /16 when some signals are n/a (full precision)."""
        return self.score * 16 / self.max if self.max else None

    @property
    def critical(self) -> bool:
        # With no applicable signal there is nothing to call critical.
        scaled = self.out_of_16
        return scaled is not None and scaled < HEALTH_CRITICAL_BELOW

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max": self.max,
            "critical": self.critical,
            "signals": dict(self.signals),
        }


def health_signal(check_ids: Iterable[str], results: Mapping[str, CheckResult]) -> int | None:
    statuses = [effective_status(results.get(i)) for i in check_ids]
    if all(s == NA for s in statuses):
        return None
    if not any(s in (FAIL, WARN, UNKNOWN) for s in statuses):
        return 2
    if not any(s in (PASS, WARN) for s in statuses):
        return 0
    return 1


def score_health(results: Mapping[str, CheckResult]) -> Health:
    return Health({name: health_signal(ids, results) for name, ids in HEALTH_SIGNALS})


# --- unweighted groups ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupRate:
    passed: int
    total: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "passed": self.passed,
            "total": self.total,
            "rate": None if rate is None else round_half_up(rate, 3),
        }


def group_rate(prefix: str, results: Mapping[str, CheckResult]) -> GroupRate:
    statuses = [effective_status(r) for i, r in results.items() if prefix_of(i) == prefix]
    applicable = [s for s in statuses if s != NA]
    return GroupRate(passed=applicable.count(PASS), total=len(applicable))


# --- the entry point --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceScore:
    """Everything section 2 derives from one service's check results."""

    overall: float | None
    band: str | None
    dimensions: dict[str, DimensionScore]
    health16: Health
    groups: dict[str, GroupRate]

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall,
            "band": self.band,
            "health16": self.health16.to_json(),
            "dimensions": {name: d.to_json() for name, d in self.dimensions.items()},
            "groups": {name: g.to_json() for name, g in self.groups.items()},
        }


def score_service(results: Mapping[str, CheckResult]) -> ServiceScore:
    """Score one service from its results keyed by check id (missing ids count as na)."""
    dimensions = {d.name: score_dimension(d, results) for d in DIMENSIONS}
    overall = overall_score(dimensions.values())
    return ServiceScore(
        overall=overall,
        band=band_of(overall),
        dimensions=dimensions,
        health16=score_health(results),
        groups={name: group_rate(prefix, results) for name, prefix in GROUPS},
    )
