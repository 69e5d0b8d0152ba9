"""Weekly schedules: a simulated week, duplicate beats, catch-up after downtime, pausing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.test import override_settings

from dashboard.models import Repository, Scan, ScanState, Trigger
from dashboard.schedules import service
from dashboard.schedules.service import Slot

MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Queued scan ids are recorded instead of sent to a broker."""
    sent: list[int] = []
    monkeypatch.setattr("dashboard.scans.pipeline.enqueue_scan", sent.append)
    return sent


@pytest.fixture
def fleet(db):
    """billing (fleet default: Monday 06:00), search (Wednesday 18:30), legacy (paused)."""
    return {
        "billing": Repository.objects.create(name="billing", url="https://github.com/a/b.git"),
        "search": Repository.objects.create(
            name="search",
            url="https://github.com/a/s.git",
            schedule_weekday=2,
            schedule_time=time(18, 30),
        ),
        "legacy": Repository.objects.create(
            name="legacy", url="https://github.com/a/l.git", schedule_paused=True
        ),
    }


def finish_active_scans() -> None:
    # Workers would finish them; otherwise request_scan hands back the one in flight.
    Scan.objects.filter(state=ScanState.QUEUED).update(state=ScanState.SUCCEEDED)


def scheduled(name: str) -> list[datetime]:
    return list(
        Scan.objects.filter(repository__name=name, trigger=Trigger.SCHEDULED)
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
    )


def run_beats(start: datetime, days: int, every: timedelta, django_capture_on_commit_callbacks):
    with time_machine.travel(start, tick=False) as clock:
        moment = start
        while moment < start + timedelta(days=days):
            with django_capture_on_commit_callbacks(execute=True):
                service.tick()
            finish_active_scans()
            moment += every
            clock.move_to(moment)


def test_it_finds_the_next_slot_strictly_after_a_moment():
    slot = Slot(0, time(6, 0))
    assert slot.next_after(MONDAY) == MONDAY.replace(hour=6)
    assert slot.next_after(MONDAY.replace(hour=6)) == MONDAY.replace(hour=6) + timedelta(days=7)
    assert Slot(6, time(23, 59)).next_after(MONDAY) == datetime(2026, 11, 8, 23, 59, tzinfo=UTC)


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_queues_exactly_one_scan_per_repository_in_a_simulated_week(
    fleet, no_broker, django_capture_on_commit_callbacks
):
    run_beats(MONDAY, 7, timedelta(minutes=5), django_capture_on_commit_callbacks)

    assert scheduled("billing") == [datetime(2026, 11, 2, 6, 0, tzinfo=UTC)]
    assert scheduled("search") == [datetime(2026, 11, 4, 18, 30, tzinfo=UTC)]
    assert scheduled("legacy") == []
    assert len(no_broker) == 2


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_queues_one_scan_a_week_over_three_weeks(fleet, django_capture_on_commit_callbacks):
    run_beats(MONDAY, 21, timedelta(hours=1), django_capture_on_commit_callbacks)

    assert [d.date().isoformat() for d in scheduled("billing")] == [
        "2026-11-02", "2026-11-09", "2026-11-16",
    ]  # fmt: skip
    assert len(scheduled("search")) == 3


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_queues_nothing_more_when_the_beat_fires_twice(fleet, no_broker):
    with time_machine.travel(MONDAY, tick=False) as clock:
        service.tick()  # plans every repository
        clock.move_to(MONDAY.replace(hour=6, minute=1))
        first = service.tick()
        second = service.tick()

    assert first["queued"] == 1  # billing only: search is due on Wednesday
    assert second == {"queued": 0, "planned": 0, "paused": 0}
    assert Scan.objects.filter(trigger=Trigger.SCHEDULED).count() == 1


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_lets_only_one_of_two_beats_claim_a_due_repository(fleet):
    """Two beat processes read the same due row; the compare-and-set lets one through."""
    billing = fleet["billing"]
    Repository.objects.filter(pk=billing.pk).update(next_scan_at=MONDAY.replace(hour=6))
    now = MONDAY.replace(hour=6, minute=5)
    seen_by_a = Repository.objects.get(pk=billing.pk)
    seen_by_b = Repository.objects.get(pk=billing.pk)

    first = service.claim_and_request(seen_by_a, now)
    second = service.claim_and_request(seen_by_b, now)

    assert first is not None
    assert second is None
    assert Scan.objects.filter(repository=billing).count() == 1


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_catches_up_with_one_scan_after_three_weeks_of_downtime(fleet):
    billing = fleet["billing"]
    Repository.objects.filter(pk=billing.pk).update(next_scan_at=MONDAY.replace(hour=6))
    back_up = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday, three slots missed

    with time_machine.travel(back_up, tick=False):
        service.tick()
        service.tick()

    assert len(scheduled("billing")) == 1
    billing.refresh_from_db()
    assert billing.next_scan_at == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_drops_the_slot_of_a_paused_repository_and_replans_on_resume(fleet):
    billing = fleet["billing"]
    with time_machine.travel(MONDAY, tick=False) as clock:
        service.tick()
        Repository.objects.filter(pk=billing.pk).update(schedule_paused=True)
        clock.move_to(MONDAY + timedelta(days=10))
        assert service.tick()["paused"] == 1
        Repository.objects.filter(pk=billing.pk).update(schedule_paused=False)
        service.tick()

    billing.refresh_from_db()
    assert scheduled("billing") == []
    assert billing.next_scan_at == datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


@override_settings(READYBOARD_SCHEDULE_WEEKDAY=0, READYBOARD_SCHEDULE_TIME="06:00")
def test_it_replans_when_a_repository_gets_its_own_slot(fleet):
    billing = fleet["billing"]
    with time_machine.travel(MONDAY, tick=False):
        service.tick()
        Repository.objects.filter(pk=billing.pk).update(
            schedule_weekday=4, schedule_time=time(9, 15)
        )
        service.tick()

    billing.refresh_from_db()
    assert billing.next_scan_at == datetime(2026, 11, 6, 9, 15, tzinfo=UTC)


def test_it_does_not_double_a_scan_already_in_flight(fleet):
    billing = fleet["billing"]
    manual = Scan.objects.create(repository=billing, trigger=Trigger.MANUAL)
    Repository.objects.filter(pk=billing.pk).update(next_scan_at=MONDAY)

    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):
        service.tick()

    assert list(Scan.objects.filter(repository=billing)) == [manual]


def test_it_scans_all_active_repositories(fleet):
    Repository.objects.filter(name="search").update(active=False)

    scans = service.scan_all()

    assert sorted(s.repository.name for s in scans) == ["billing", "legacy"]
