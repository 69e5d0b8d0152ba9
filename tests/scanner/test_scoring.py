"""Scoring rules of RULES.md section 2, checked on small hand-made result sets."""

from __future__ import annotations

import math

import pytest

from scanner.results import CheckResult
from scanner.scoring import (
    DIMENSION_NAMES,
    DIMENSIONS,
    GROUPS,
    HEALTH_SIGNALS,
    OWN_PREFIX,
    DimensionScore,
    Health,
    band_of,
    credit,
    overall_score,
    round_half_up,
    score_service,
)


def results_from(statuses: dict[str, str], waived: tuple[str, ...] = ()) -> dict[str, CheckResult]:
    """Results keyed by id; ids listed in `waived` carry a waiver."""
    return {
        check_id: CheckResult(check_id, status, waived=check_id in waived, waiver_reason="ok")
        for check_id, status in statuses.items()
    }


def all_checks_of(dimension_name: str) -> list[str]:
    dimension = next(d for d in DIMENSIONS if d.name == dimension_name)
    return [i for rung in dimension.rungs for i in rung]


def all_pass(dimension_name: str) -> dict[str, str]:
    return dict.fromkeys(all_checks_of(dimension_name), "pass")


# --- tables -----------------------------------------------------------------------------


def test_it_lists_the_eight_dimensions_in_rules_order_with_their_weights():
    assert DIMENSION_NAMES == (
        "type_safety",
        "error_handling",
        "testing",
        "security",
        "performance",
        "observability",
        "database",
        "deployment",
    )
    assert [d.weight for d in DIMENSIONS] == [15, 15, 15, 15, 10, 10, 10, 10]
    assert all(len(d.rungs) == 4 for d in DIMENSIONS)
    assert OWN_PREFIX["performance"] == "PERF"
    assert OWN_PREFIX["database"] == "DB"


def test_it_lists_eight_health_signals_and_three_groups():
    assert [name for name, _ in HEALTH_SIGNALS] == [
        "type_safety",
        "error_handling",
        "auth",
        "testing",
        "database",
        "observability",
        "deployment",
        "documentation",
    ]
    assert GROUPS == (("architecture", "ARC"), ("configuration", "CFG"), ("documentation", "DOC"))


# --- credit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [("pass", 1.0), ("warn", 0.5), ("fail", 0.0), ("unknown", 0.0), ("na", None)],
)
def test_it_gives_each_status_its_credit(status, expected):
    assert credit(CheckResult("TYP-001", status)) == expected


def test_it_leaves_a_missing_check_out_like_na():
    assert credit(None) is None


@pytest.mark.parametrize("status", ["warn", "fail", "unknown"])
def test_it_counts_a_waived_check_as_full_credit(status):
    assert credit(CheckResult("TYP-001", status, waived=True)) == 1.0


def test_it_keeps_a_waived_na_check_left_out():
    assert credit(CheckResult("TYP-001", "na", waived=True)) is None


# --- rungs, score and level -------------------------------------------------------------


def test_it_averages_partial_credit_within_a_rung():
    statuses = all_pass("type_safety") | {"TYP-004": "warn", "TYP-005": "fail"}
    dimension = score_service(results_from(statuses)).dimensions["type_safety"]
    # rung 3 = (0.5 + 0 + 1 + 1) / 4
    assert dimension.rungs == (1.0, 1.0, 0.625, 1.0)
    assert dimension.score == 25 * 3.625
    assert dimension.level == 50


def test_it_lets_an_all_na_rung_take_the_credit_of_the_rung_below():
    statuses = all_pass("type_safety") | {
        "TYP-002": "warn",
        "TYP-003": "pass",
        "TYP-004": "na",
        "TYP-005": "na",
        "TYP-006": "na",
        "TYP-007": "na",
    }
    dimension = score_service(results_from(statuses)).dimensions["type_safety"]
    assert dimension.rungs == (1.0, 0.75, 0.75, 1.0)


def test_it_gives_an_all_na_bottom_rung_full_credit():
    statuses = all_pass("error_handling") | {"ERR-005": "na"}
    dimension = score_service(results_from(statuses)).dimensions["error_handling"]
    assert dimension.rungs == (1.0, 1.0, 1.0, 1.0)
    assert dimension.score == 100.0
    assert dimension.level == 100


def test_it_treats_absent_checks_of_a_rung_like_na():
    statuses = all_pass("error_handling")
    del statuses["ERR-001"]
    statuses["ERR-005"] = "warn"
    dimension = score_service(results_from(statuses)).dimensions["error_handling"]
    assert dimension.rungs == (0.5, 0.5, 1.0, 1.0)


def test_it_earns_nothing_above_a_missing_subject():
    # No tests at all: TST-001 fails and every check that looks inside the tests is na.
    statuses = {"TST-001": "fail"} | {f"TST-00{n}": "na" for n in range(2, 10)}
    dimension = score_service(results_from(statuses)).dimensions["testing"]
    assert dimension.included
    assert dimension.rungs == (0.0, 0.0, 0.0, 0.0)
    assert dimension.score == 0.0
    assert dimension.level == 0


def test_it_keeps_the_score_but_drops_the_level_for_one_stray_failure_in_the_first_rung():
    statuses = all_pass("observability") | {"OBS-001": "fail"}  # one print() somewhere
    dimension = score_service(results_from(statuses)).dimensions["observability"]
    assert dimension.rungs == (0.5, 1.0, 1.0, 1.0)
    assert dimension.score == 87.5
    assert dimension.level == 0


def test_it_loses_only_the_top_level_for_a_failure_in_the_last_rung():
    statuses = all_pass("observability") | {"OBS-007": "fail"}
    dimension = score_service(results_from(statuses)).dimensions["observability"]
    assert dimension.rungs == (1.0, 1.0, 1.0, 0.0)
    assert dimension.score == 75.0
    assert dimension.level == 75


def test_it_counts_a_foreign_check_in_the_rung_where_it_sits():
    statuses = all_pass("performance") | {"DB-001": "fail"}
    dimension = score_service(results_from(statuses)).dimensions["performance"]
    assert dimension.rungs == (1.0, 0.5, 1.0, 1.0)
    assert dimension.level == 25


def test_it_scores_a_waived_failure_as_met():
    statuses = all_pass("deployment") | {"DEP-001": "fail"}
    dimension = score_service(results_from(statuses, waived=("DEP-001",))).dimensions[
        "deployment"
    ]
    assert dimension.score == 100.0
    assert dimension.level == 100


# --- inclusion and overall --------------------------------------------------------------


def test_it_excludes_a_dimension_whose_own_checks_are_all_na():
    statuses = all_pass("type_safety") | dict.fromkeys(all_checks_of("database"), "na")
    score = score_service(results_from(statuses))
    database = score.dimensions["database"]
    assert not database.included
    assert database.score is None
    assert database.level is None
    assert score.overall == 100.0


def test_it_does_not_keep_a_dimension_alive_with_a_foreign_check_alone():
    statuses = {"DB-001": "fail", "TST-009": "fail", "TYP-001": "pass"}
    dimensions = score_service(results_from(statuses)).dimensions
    assert not dimensions["performance"].included
    assert not dimensions["deployment"].included
    assert dimensions["database"].included


def test_it_keeps_a_dimension_excluded_when_its_only_waived_check_is_na():
    statuses = dict.fromkeys(all_checks_of("database"), "na")
    dimensions = score_service(results_from(statuses, waived=("DB-002",))).dimensions
    assert not dimensions["database"].included


def test_it_renormalises_overall_over_the_included_weights():
    # type_safety (15) scores 100, observability (10) scores 50; everything else is absent.
    statuses = all_pass("type_safety") | all_pass("observability")
    statuses |= {"OBS-006": "fail", "OBS-007": "fail"}
    score = score_service(results_from(statuses))
    assert score.dimensions["observability"].score == 50.0
    assert score.overall == (15 * 100 + 10 * 50) / 25  # 80.0, not diluted by absent dimensions
    assert score.band == "production_grade"


def test_it_has_no_overall_or_band_when_no_dimension_is_included():
    score = score_service({})
    assert score.overall is None
    assert score.band is None
    assert score.to_json()["overall"] is None


def test_it_rounds_overall_to_one_decimal_half_up():
    dimensions = [
        DimensionScore("a", 10, True, (1.0, 1.0, 1.0, 1.0), 62.25, 100),
        DimensionScore("b", 10, True, (1.0, 1.0, 1.0, 1.0), 62.25, 100),
    ]
    assert overall_score(dimensions) == 62.3
    assert round_half_up(58.33333, 1) == 58.3


def test_it_bands_the_rounded_overall():
    almost_forty = [DimensionScore("a", 10, True, (0.0, 0.0, 0.0, 0.0), 39.95, 0)]
    overall = overall_score(almost_forty)
    assert overall == 40.0
    assert band_of(overall) == "needs_work"


@pytest.mark.parametrize(
    ("overall", "band"),
    [
        (0.0, "critical"),
        (39.9, "critical"),
        (40.0, "needs_work"),
        (59.9, "needs_work"),
        (60.0, "solid"),
        (79.9, "solid"),
        (80.0, "production_grade"),
        (100.0, "production_grade"),
    ],
)
def test_it_puts_band_edges_in_the_higher_band(overall, band):
    assert band_of(overall) == band


# --- quick health -----------------------------------------------------------------------


def health_of(statuses: dict[str, str], waived: tuple[str, ...] = ()) -> dict[str, int | None]:
    return score_service(results_from(statuses, waived)).health16.signals


def test_it_gives_a_signal_two_when_nothing_is_wrong_even_with_some_na():
    assert health_of({"SEC-001": "pass", "SEC-002": "na"})["auth"] == 2


def test_it_marks_a_signal_not_applicable_when_all_its_checks_are_na_or_absent():
    signals = health_of({"DB-001": "na", "DB-006": "na"})
    assert signals["database"] is None
    assert signals["auth"] is None


def test_it_gives_a_signal_zero_when_nothing_passes_or_warns():
    assert health_of({"SEC-001": "fail", "SEC-002": "unknown"})["auth"] == 0
    assert health_of({"SEC-001": "unknown", "SEC-002": "na"})["auth"] == 0


def test_it_gives_a_signal_one_for_mixed_results():
    assert health_of({"SEC-001": "pass", "SEC-002": "fail"})["auth"] == 1
    assert health_of({"SEC-001": "warn", "SEC-002": "fail"})["auth"] == 1
    assert health_of({"SEC-001": "warn"})["auth"] == 1


def test_it_counts_a_waived_check_as_passing_in_health():
    assert health_of({"SEC-001": "fail", "SEC-002": "pass"}, waived=("SEC-001",))["auth"] == 2


def test_it_sums_applicable_signals_and_scales_max_to_them():
    health = Health(dict.fromkeys(("a", "b", "c", "d", "e", "f", "g"), 1) | {"h": None})
    assert health.to_json()["score"] == 7
    assert health.to_json()["max"] == 14


def test_it_calls_health_critical_below_eight_of_sixteen_after_rescaling():
    seven_of_fourteen = Health(dict.fromkeys("abcdefg", 1) | {"h": None})
    six_of_fourteen = Health(dict.fromkeys("abcdef", 1) | {"g": 0, "h": None})
    seven_of_sixteen = Health(dict.fromkeys("abcdefg", 1) | {"h": 0})
    assert seven_of_fourteen.out_of_16 == 8.0
    assert not seven_of_fourteen.critical
    assert math.isclose(six_of_fourteen.out_of_16, 96 / 14)
    assert six_of_fourteen.critical
    assert seven_of_sixteen.critical


def test_it_does_not_call_health_critical_when_no_signal_applies():
    health = score_service({}).health16
    assert health.to_json() == {
        "score": 0,
        "max": 0,
        "critical": False,
        "signals": dict.fromkeys((name for name, _ in HEALTH_SIGNALS), None),
    }


# --- groups -----------------------------------------------------------------------------


def test_it_reports_group_pass_rates_over_checks_that_apply():
    statuses = {"ARC-001": "pass", "ARC-002": "warn", "ARC-003": "fail", "ARC-004": "na"}
    statuses |= {"ARC-005": "unknown", "CFG-001": "fail", "CFG-002": "na"}
    groups = score_service(results_from(statuses, waived=("CFG-001", "CFG-002"))).to_json()[
        "groups"
    ]
    assert groups["architecture"] == {"passed": 1, "total": 4, "rate": 0.25}
    assert groups["configuration"] == {"passed": 1, "total": 1, "rate": 1.0}
    assert groups["documentation"] == {"passed": 0, "total": 0, "rate": None}


def test_it_rounds_group_rates_to_three_decimals_in_json():
    statuses = {"DOC-001": "pass", "DOC-002": "fail", "DOC-003": "pass"}
    assert score_service(results_from(statuses)).to_json()["groups"]["documentation"] == {
        "passed": 2,
        "total": 3,
        "rate": 0.667,
    }


# --- a whole service, by hand -----------------------------------------------------------

# Worked example (every number below was computed by hand from RULES.md section 2):
#
# type_safety (15): rungs 1 | (.5+1)/2=.75 | (0+1+1)/3 TYP-007 na=.6667 | 0
#                   score 25*2.41667 = 60.4167, level 25
# error_handling (15): 1 | 1 | (1+.5+1)/3=.8333 | 0 -> 70.8333, level 50
# testing (15): TST-001 fails, the rest na: 0 | 0 | 0 | 0 (each inherits) -> 0, level 0
# security (15): (.5+1+1)/3=.8333 | SEC-001 only=1 | (0+1 attested+.5+1)/4=.625 | 0
#                -> 25*2.45833 = 61.4583, level 0
# performance (10): 1 | PERF-002 warn, DB-001 na=.5 | PERF-004 fail=0 | (1+0)/2=.5 -> 50, level 25
# observability (10): (0+1)/2=.5 | 1 | 1 | 1 -> 87.5, level 0
# database (10): all na -> excluded
# deployment (10): 1 | (.5+0+1)/3=.5 | DEP-005, TST-009 na=1 | (0+0)/2=0 -> 62.5, level 25
# overall = (15*(60.4167+70.8333+0+61.4583) + 10*(50+87.5+62.5)) / 90
#         = (2890.625 + 2000) / 90 = 54.3403 -> 54.3, needs_work
# health: type_safety 1 (a warn), error_handling 2, auth 2 (SEC-002 na), testing 0,
#         database n/a, observability 1, deployment 1, documentation 2 (DOC-002 waived)
#         = 9 of 14 -> 10.3/16, not critical
# groups: ARC 2 passed of 4 (ARC-005 na); CFG 5 of 5 (CFG-002 waived, CFG-003 waived na);
#         DOC 3 of 5
WORKED_EXAMPLE = {
    "TYP-001": "pass", "TYP-002": "warn", "TYP-003": "pass", "TYP-004": "fail",
    "TYP-005": "pass", "TYP-006": "pass", "TYP-007": "na", "TYP-008": "fail",
    "ERR-001": "pass", "ERR-002": "pass", "ERR-003": "warn", "ERR-004": "pass",
    "ERR-005": "pass", "ERR-006": "fail",
    "TST-001": "fail", "TST-002": "na", "TST-003": "na", "TST-004": "na", "TST-005": "na",
    "TST-006": "na", "TST-007": "na", "TST-008": "na", "TST-009": "na",
    "SEC-001": "pass", "SEC-002": "na", "SEC-003": "na", "SEC-004": "na", "SEC-005": "warn",
    "SEC-006": "fail", "SEC-007": "unknown", "SEC-008": "warn", "SEC-009": "pass",
    "SEC-010": "fail", "SEC-011": "pass", "SEC-012": "pass",
    "PERF-001": "pass", "PERF-002": "warn", "PERF-003": "na", "PERF-004": "fail",
    "PERF-005": "pass", "PERF-006": "fail",
    "OBS-001": "fail", "OBS-002": "pass", "OBS-003": "pass", "OBS-004": "pass",
    "OBS-005": "pass", "OBS-006": "pass", "OBS-007": "pass",
    "DB-001": "na", "DB-002": "na", "DB-003": "na", "DB-004": "na", "DB-005": "na",
    "DB-006": "na",
    "DEP-001": "pass", "DEP-002": "warn", "DEP-003": "fail", "DEP-004": "fail",
    "DEP-005": "pass", "DEP-006": "unknown", "DEP-007": "pass",
    "ARC-001": "warn", "ARC-002": "pass", "ARC-003": "pass", "ARC-004": "fail", "ARC-005": "na",
    "CFG-001": "pass", "CFG-002": "fail", "CFG-003": "na", "CFG-004": "pass", "CFG-005": "pass",
    "CFG-006": "pass",
    "DOC-001": "pass", "DOC-002": "fail", "DOC-003": "warn", "DOC-004": "fail", "DOC-005": "pass",
}  # fmt: skip
WORKED_EXAMPLE_WAIVED = ("SEC-007", "CFG-002", "CFG-003", "DOC-002")


def test_it_scores_the_worked_example_as_computed_by_hand():
    score = score_service(results_from(WORKED_EXAMPLE, WORKED_EXAMPLE_WAIVED))
    report = score.to_json()

    assert report["overall"] == 54.3
    assert report["band"] == "needs_work"
    assert {n: (d["score"], d["level"]) for n, d in report["dimensions"].items()} == {
        "type_safety": (60.4, 25),
        "error_handling": (70.8, 50),
        "testing": (0.0, 0),
        "security": (61.5, 0),
        "performance": (50.0, 25),
        "observability": (87.5, 0),
        "database": (None, None),
        "deployment": (62.5, 25),
    }
    assert report["dimensions"]["type_safety"]["rungs"] == [1.0, 0.75, 0.667, 0.0]
    assert report["dimensions"]["security"]["rungs"] == [0.833, 1.0, 0.625, 0.0]
    assert report["dimensions"]["database"]["included"] is False
    assert report["health16"] == {
        "score": 9,
        "max": 14,
        "critical": False,
        "signals": {
            "type_safety": 1,
            "error_handling": 2,
            "auth": 2,
            "testing": 0,
            "database": None,
            "observability": 1,
            "deployment": 1,
            "documentation": 2,
        },
    }
    assert report["groups"] == {
        "architecture": {"passed": 2, "total": 4, "rate": 0.5},
        "configuration": {"passed": 5, "total": 5, "rate": 1.0},
        "documentation": {"passed": 3, "total": 5, "rate": 0.6},
    }


def test_it_keeps_full_precision_until_json():
    score = score_service(results_from(WORKED_EXAMPLE, WORKED_EXAMPLE_WAIVED))
    assert math.isclose(score.dimensions["type_safety"].score, 25 * (1 + 0.75 + 2 / 3))
    assert math.isclose(score.health16.out_of_16, 9 * 16 / 14)


def test_it_writes_json_with_every_dimension_in_order():
    report = score_service({}).to_json()
    assert list(report) == ["overall", "band", "health16", "dimensions", "groups"]
    assert tuple(report["dimensions"]) == DIMENSION_NAMES
    assert set(report["dimensions"]["testing"]) == {"score", "level", "weight", "included", "rungs"}
