"""dashboard.scans.diff: flips, score attribution and fingerprint matching (pure functions)."""

from __future__ import annotations

import pytest

from dashboard.scans.diff import (
    CheckState,
    Finding,
    attribute_score_delta,
    check_flips,
    diff_evidence,
)
from scanner import scoring
from scanner.results import CheckResult


def states(**statuses: str) -> dict[str, CheckState]:
    """`states(TYP_001="pass")` -> {"TYP-001": CheckState("pass")}."""
    return {key.replace("_", "-"): CheckState(value) for key, value in statuses.items()}


def stored_scores(checks: dict[str, CheckState]):
    results = {i: CheckResult(i, s.status, waived=s.waived) for i, s in checks.items()}
    return scoring.score_service(results)


BASE = states(
    TYP_001="pass", TYP_002="pass", TYP_003="fail", ERR_005="pass", ERR_001="pass",
    SEC_005="pass", SEC_009="pass", SEC_012="pass", SEC_001="pass", DB_006="pass",
    DB_001="pass", PERF_001="pass", TST_001="fail",
)  # fmt: skip


def test_it_lists_no_flips_for_identical_results():
    assert check_flips(BASE, dict(BASE)) == []
    delta = attribute_score_delta(BASE, dict(BASE))
    assert delta.flips == []
    assert delta.overall_change == 0


def test_it_reports_a_flip_in_check_order_with_both_statuses():
    after = {**BASE, "TYP-003": CheckState("pass"), "TST-001": CheckState("warn")}

    assert check_flips(BASE, after) == [
        ("TYP-003", "fail", "pass"),
        ("TST-001", "fail", "warn"),
    ]


def test_it_attributes_a_dimension_change_to_the_check_that_flipped():
    after = {**BASE, "TYP-003": CheckState("pass")}

    delta = attribute_score_delta(BASE, after)

    [flip] = delta.flips
    assert flip.check_id == "TYP-003"
    assert flip.direction == "better"
    # Rung 50 of type safety goes from 0.5 to 1.0 credit, and rungs 75 and 100 (no
    # results) inherit it: 3 x 25 x 0.5 = 37.5 points.
    assert flip.dimension_effects == {"type_safety": pytest.approx(37.5)}
    typ = next(d for d in delta.dimensions if d.name == "type_safety")
    assert typ.change == pytest.approx(37.5)
    assert typ.contributions == {"TYP-003": pytest.approx(37.5)}


def test_it_sums_flip_effects_to_the_total_change_and_matches_stored_scores():
    after = {
        **BASE,
        "TYP-003": CheckState("pass"),
        "SEC-001": CheckState("fail"),
        "DB-001": CheckState("warn"),  # sits in performance and database rungs
        "TST-001": CheckState("na"),  # testing drops out of the overall
    }

    delta = attribute_score_delta(BASE, after)

    assert sum(f.overall_effect for f in delta.flips) == pytest.approx(delta.overall_change)
    for dimension in delta.dimensions:
        assert sum(dimension.contributions.values()) == pytest.approx(dimension.change or 0)
    before_score, after_score = stored_scores(BASE), stored_scores(after)
    assert round(delta.overall_before, 1) == before_score.overall
    assert round(delta.overall_after, 1) == after_score.overall
    db_flip = next(f for f in delta.flips if f.check_id == "DB-001")
    assert set(db_flip.dimension_effects) == {"performance", "database"}
    assert db_flip.direction == "worse"


def test_it_treats_a_waiver_as_pass_and_a_new_check_as_coming_from_absent():
    after = {**BASE, "TYP-003": CheckState("fail", waived=True), "OBS-001": CheckState("fail")}

    flips = {f.check_id: f for f in attribute_score_delta(BASE, after).flips}

    assert (flips["TYP-003"].before, flips["TYP-003"].after) == ("fail", "pass")
    assert flips["OBS-001"].before is None
    assert flips["OBS-001"].after == "fail"
    # Observability enters the overall at 0 points, so the overall falls.
    assert flips["OBS-001"].overall_effect < 0


def test_it_does_not_call_absent_to_na_a_flip():
    after = {**BASE, "OBS-001": CheckState("na")}

    assert check_flips(BASE, after) == []


def finding(check_id="SEC-002", path="app/api.py", line=10, snippet="x = 1", fp="f1"):
    return Finding(check_id, path, line, snippet, f"{check_id} at {line}", fp)


def test_it_matches_moved_findings_by_fingerprint():
    before = [finding(line=10, fp="a"), finding(line=20, fp="b")]
    after = [finding(line=14, fp="a"), finding(line=40, fp="c")]

    diff = diff_evidence(before, after)

    assert [f.fingerprint for f in diff.appeared] == ["c"]
    assert [f.fingerprint for f in diff.went_away] == ["b"]
    [kept] = diff.persisting
    assert kept.moved
    assert (kept.before.line, kept.after.line) == (10, 14)


def test_it_matches_duplicate_fingerprints_as_often_as_both_sides_have_them():
    before = [finding(line=10, fp="a")]
    after = [finding(line=10, fp="a"), finding(line=30, fp="a")]

    diff = diff_evidence(before, after)

    assert len(diff.persisting) == 1
    assert not diff.persisting[0].moved
    assert [f.line for f in diff.appeared] == [30]
    assert diff.went_away == []


def test_it_keeps_the_same_fingerprint_of_two_checks_apart():
    diff = diff_evidence([finding("SEC-002", fp="a")], [finding("SEC-004", fp="a")])

    assert [f.check_id for f in diff.appeared] == ["SEC-004"]
    assert [f.check_id for f in diff.went_away] == ["SEC-002"]


def test_it_falls_back_to_place_and_message_without_a_fingerprint():
    before = [finding(fp="", line=5)]
    after = [finding(fp="", line=5), finding(fp="", line=9)]

    diff = diff_evidence(before, after)

    assert len(diff.persisting) == 1
    assert [f.line for f in diff.appeared] == [9]
