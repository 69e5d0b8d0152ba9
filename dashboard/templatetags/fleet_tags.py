"""Template tags of the fleet pages (the shared badges live in `readyboard`).

The fleet tables repeat the same dozen cells on every row: rendered through template nodes
(an `if`, a filter and a lookup per cell) they cost more than the rest of the page, so a
row is built here with `format_html`, each piece escaped as the template would.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dashboard.templatetags.readyboard import (
    reltime,
    scan_state,
    score_cells,
    service_check_url,
    service_url,
    status_badge,
)

register = template.Library()

NO_VALUE = mark_safe('<span class="muted">—</span>')
NEVER = mark_safe('<span class="muted">never</span>')


@lru_cache(maxsize=8192)  # a fixed URLconf: the same service names on every page
def service_href(repo_name: str) -> str:
    return service_url(repo_name)


@lru_cache(maxsize=64)
def month_abbr(month: int, language: str | None) -> str:
    return MONTHS_3[month].title()  # what the date format "M" prints


def day_month_year(local: datetime, *, with_time: bool = False) -> str:
    """What `|date:'j M Y'` (or `'j M Y H:i'`) prints for a time already in the current
    time zone (`timezone.localtime`), without a template filter per cell."""
    text = f"{local.day} {month_abbr(local.month, get_language())} {local.year:04d}"
    return f"{text} {local:%H:%M}" if with_time else text


def scanned_cell(scan) -> SafeString:
    """When the latest result was scanned: relative, with the exact time as a tooltip."""
    if scan is None:
        return NEVER
    if scan.finished_at is None:
        return format_html('<time datetime="" title=" UTC">{}</time>', reltime(None))
    local = timezone.localtime(scan.finished_at)
    return format_html(
        '<time datetime="{}" title="{} UTC">{}</time>',
        local.isoformat(),  # what |date:'c' prints
        day_month_year(local, with_time=True),
        reltime(scan.finished_at),
    )


@lru_cache(maxsize=8192)
def service_cell(name: str, tags: tuple[str, ...]) -> SafeString:
    link = format_html('<a href="{}">{}</a>', service_href(name), name)
    if not tags:
        return link
    tag_list = format_html_join("", '<span class="tag">{}</span> ', ((tag,) for tag in tags))
    return format_html('{} <span class="leaderboard__tags">{}</span>', link, tag_list)


@lru_cache(maxsize=1024)
def team_cell(slug: str, name: str) -> SafeString:
    return format_html('<a href="?team={}">{}</a>', slug, name)


@register.simple_tag
def leaderboard_row(row) -> SafeString:
    """One leaderboard row: service with tags, team, the number cells, scanned, scan state."""
    repo, team = row.repo, row.repo.team
    return format_html(
        '<tr><th scope="row" class="leaderboard__service">{}</th><td>{}</td>{}'
        '<td class="num nowrap">{}</td><td>{}</td></tr>\n',
        service_cell(repo.name, tuple(map(str, repo.tags or ()))),
        team_cell(team.slug, team.name) if team else NO_VALUE,
        score_cells(row),
        scanned_cell(row.scan),
        scan_state(row.scan, row.pending),
    )


def streak_cell(since: datetime | None) -> SafeString:
    """When the current failing streak started: the date, then how long ago."""
    if since is None:
        return mark_safe("—")
    local = timezone.localtime(since)
    return format_html(
        '<time datetime="{}">{}</time> <span class="muted">({})</span>',
        local.isoformat(),
        day_month_year(local),
        reltime(since),
    )


@lru_cache(maxsize=8192)
def service_heading(repo_name: str) -> SafeString:
    return format_html(
        '<th scope="row"><a href="{}">{}</a></th>', service_href(repo_name), repo_name
    )


@lru_cache(maxsize=8192)
def details_cell(repo_name: str, check_id: str) -> SafeString:
    return format_html(
        '<td><a href="{}">Details<span class="visually-hidden"> of {} in {}</span></a></td>',
        service_check_url(repo_name, check_id),
        check_id,
        repo_name,
    )


@register.simple_tag
def check_service_row(row, check_id: str, section: str) -> SafeString:
    """One service's result of a check: service, team, status, failing since (in the
    "fail" section), findings, scan age and the drill-down link."""
    streak = (
        format_html('<td class="nowrap">{}</td>', streak_cell(row.failing_since))
        if section == "fail"
        else ""
    )
    return format_html(
        '<tr>{}<td>{}</td><td>{}</td>{}<td class="num">{}</td><td class="nowrap">{}</td>{}</tr>\n',
        service_heading(row.repo_name),
        row.team_name or "—",
        status_badge(row.status, row.waived),
        streak,
        row.evidence_count,
        reltime(row.scanned_at),
        details_cell(row.repo_name, check_id),
    )
