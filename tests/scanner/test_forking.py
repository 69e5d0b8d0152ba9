"""Rules split between the process and a forked child give exactly the serial results,
and a child that dies or cannot send its results back costs time, never results."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from scanner import engine
from scanner.engine import analyse, run_rules
from scanner.forking import can_fork, run_beside
from scanner.rules import all_rules

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "services"


def test_run_beside_returns_both_results_in_order():
    parent = os.getpid()
    here, there = run_beside(lambda: ("here", os.getpid()), lambda: ("there", os.getpid()))
    assert here == ("here", parent)
    assert there[0] == "there"
    assert there[1] != parent  # really computed in another process


def test_run_beside_redoes_the_work_when_the_child_dies():
    parent = os.getpid()

    def dies_in_child():
        if os.getpid() != parent:
            os._exit(7)
        return "done by the parent"

    assert run_beside(lambda: 1, dies_in_child) == (1, "done by the parent")


def test_run_beside_redoes_the_work_when_the_result_cannot_travel():
    parent = os.getpid()

    def unpicklable_in_child():
        return (lambda: None) if os.getpid() != parent else "plain"

    assert run_beside(lambda: 1, unpicklable_in_child) == (1, "plain")


def test_run_beside_reaps_the_child_when_the_local_work_fails(monkeypatch):
    forked = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)

    def fails():
        raise ValueError("local failure")

    with pytest.raises(ValueError):
        run_beside(fails, lambda: sum(range(10)))
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forked[0], os.WNOHANG)  # already reaped: not running, not even a zombie


@pytest.fixture
def fork_for_small_trees(monkeypatch):
    monkeypatch.setattr(engine, "PARALLEL_RULES_MIN_MODULES", 0)


@pytest.mark.parametrize("service", ["startup", "insecure_toy", "legacy_sync"])
def test_forked_rules_match_serial_rules(fork_for_small_trees, service):
    project = analyse(FIXTURES / service, jobs=1).project
    rules = all_rules()
    serial = run_rules(project, rules, jobs=1)
    project = analyse(FIXTURES / service, jobs=1).project  # fresh caches
    forked = run_rules(project, rules, jobs=2)
    assert [r.check_id for r in forked] == [rule.id for rule in rules]
    assert forked == serial
    assert {r.status for r in forked} - {"pass"}  # the comparison covers failing checks too


def test_a_crashing_child_still_yields_every_result(fork_for_small_trees, monkeypatch):
    rules = all_rules()
    security_rule = next(r for r in rules if r.dimension in engine.FORKED_DIMENSIONS)
    project = analyse(FIXTURES / "startup", jobs=1).project
    expected = run_rules(project, rules, jobs=1)

    parent = os.getpid()
    real_check = type(security_rule).check

    def check_that_kills_the_child(self, project):
        if os.getpid() != parent:
            os._exit(9)
        return real_check(self, project)

    monkeypatch.setattr(type(security_rule), "check", check_that_kills_the_child)
    project = analyse(FIXTURES / "startup", jobs=1).project
    assert run_rules(project, rules, jobs=2) == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize(("parent_offset", "exit_status"), [
    pytest.param(4_000_000, 1, id="parent-gone-before-arming-exits"),  # beyond pid_max
    pytest.param(0, 0, id="living-parent-carries-on"),
])
def test_a_child_arms_death_with_its_parent(parent_offset, exit_status):
    from scanner.forking import death_with_parent

    arm = death_with_parent(os.getpid() + parent_offset)
    pid = os.fork()
    if pid == 0:
        arm()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == exit_status
