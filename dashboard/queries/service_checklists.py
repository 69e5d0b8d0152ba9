"""The rule catalogue as the service pages show it: checklists by tag, dimension groups.

No queries: the product text comes from the rule classes (`scanner.rules`), the verdicts
from a scan's check results handed in by the caller.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from scanner import scoring

# RULES.md 2.4: each tag family is one checklist, in this order.
CHECKLISTS: tuple[tuple[str, str, str], ...] = (
    ("sec10", "Security checklist", "The ten-point security checklist."),
    ("p0", "Production checklist: P0", "Must hold before a service takes production traffic."),
    ("p1", "Production checklist: P1", "Should hold soon after launch."),
    ("mistake", "Common mistakes", "Mistakes seen again and again in FastAPI services."),
    ("health", "Quick health", "The checks behind the quick health score (/16)."),
    ("arch", "Architecture", "How the application is put together."),
    ("cfg", "Configuration", "Settings, secrets and environments."),
    ("pyd", "Pydantic", "Models at the edges of the service."),
    ("err", "Error handling", "What a client sees when something goes wrong."),
    ("test", "Testing", "What the test suite covers."),
)
_TAG = re.compile(r"^(?P<family>[a-z0-9]+?)(?:#(?P<number>\d+))?$")


@cache
def rule_catalogue() -> dict[str, dict[str, Any]]:
    """Every registered check's product text keyed by id, in registry (RULES.md) order.

    Imported lazily and once per process: the rule modules are heavy to import.
    """
    from scanner.rules import rule_classes

    catalogue = {}
    for rule in rule_classes():
        meta = rule.meta()
        meta["summary"] = " ".join((rule.__doc__ or "").split())
        catalogue[rule.id] = meta
    return catalogue


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    check_id: str
    title: str
    number: int | None  # the item's number in its list ("sec10#3" -> 3)
    status: str  # a CheckStatus value, or "missing" when the scan has no result for it
    waived: bool
    evidence_count: int
    url: str = ""  # the drill-down, when the caller gave a way to build it


@dataclass(frozen=True, slots=True)
class Checklist:
    key: str
    title: str
    description: str
    items: list[ChecklistItem]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(status, how many) in a fixed order, only the statuses present."""
        counted = Counter("waived" if i.waived else i.status for i in self.items)
        order = ("fail", "warn", "unknown", "waived", "pass", "na", "missing")
        return [(status, counted[status]) for status in order if counted[status]]

    @property
    def passed(self) -> int:
        return sum(1 for i in self.items if i.status == "pass" or i.waived)

    @property
    def applicable(self) -> int:
        return sum(1 for i in self.items if i.status not in ("na", "missing"))


def build_checklists(
    results: Mapping[str, Any], url_of: Callable[[str], str] | None = None
) -> list[Checklist]:
    """One checklist per tag family, items in list-number then registry order.

    `results` maps check ids to objects with `status`, `waived` and `evidence_count`;
    `url_of(check_id)` gives each item its link (built once per check, not per list).
    """
    families: dict[str, list[ChecklistItem]] = {key: [] for key, _, _ in CHECKLISTS}
    for check_id, meta in rule_catalogue().items():
        result = results.get(check_id)
        url = url_of(check_id) if url_of else ""
        for tag in meta["tags"]:
            match = _TAG.match(tag)
            if match and match["family"] in families:
                number = int(match["number"]) if match["number"] else None
                families[match["family"]].append(_item(check_id, meta, number, result, url))
    return [
        Checklist(key, title, description, sorted(families[key], key=_item_order))
        for key, title, description in CHECKLISTS
        if families[key]
    ]


def _item(
    check_id: str, meta: Mapping[str, Any], number: int | None, result, url: str
) -> ChecklistItem:
    return ChecklistItem(
        check_id=check_id,
        title=meta["title"],
        number=number,
        status=result.status if result else "missing",
        waived=bool(result and result.waived),
        evidence_count=result.evidence_count if result else 0,
        url=url,
    )


_REGISTRY_POSITION: dict[str, int] = {}


def _item_order(item: ChecklistItem) -> tuple[int, int]:
    if not _REGISTRY_POSITION:
        _REGISTRY_POSITION.update({cid: i for i, cid in enumerate(rule_catalogue())})
    return (item.number if item.number is not None else 999, _REGISTRY_POSITION[item.check_id])


@dataclass(frozen=True, slots=True)
class DimensionCard:
    name: str
    weight: int
    score: float | None
    level: int | None
    included: bool
    failing: int  # checks in its rungs that fail or are unknown
    warning: int


def dimension_cards(
    score_json: Mapping[str, Any], results: Mapping[str, Any]
) -> list[DimensionCard]:
    """The 8 weighted dimensions of a scored scan, in RULES.md order."""
    stored = (score_json or {}).get("dimensions") or {}
    cards = []
    for dimension in scoring.DIMENSIONS:
        data = stored.get(dimension.name) or {}
        ids = [check_id for rung in dimension.rungs for check_id in rung]
        statuses = [_effective(results.get(i)) for i in ids]
        cards.append(
            DimensionCard(
                name=dimension.name,
                weight=data.get("weight", dimension.weight),
                score=data.get("score"),
                level=data.get("level"),
                included=bool(data.get("included", bool(data))),
                failing=sum(s in ("fail", "unknown") for s in statuses),
                warning=statuses.count("warn"),
            )
        )
    return cards


def group_rates(score_json: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The unweighted groups (architecture, configuration, documentation) with pass rates."""
    stored = (score_json or {}).get("groups") or {}
    return [(name, stored[name]) for name, _ in scoring.GROUPS if name in stored]


def health_signals(score_json: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """The 8 quick-health signals (2/1/0, None when n/a) in RULES.md order."""
    signals = ((score_json or {}).get("health16") or {}).get("signals") or {}
    return [(name, signals.get(name)) for name, _ in scoring.HEALTH_SIGNALS]


def _effective(result) -> str:
    if result is None:
        return "na"
    return "pass" if result.waived and result.status != "na" else result.status
