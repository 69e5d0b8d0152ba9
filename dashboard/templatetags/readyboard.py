"""Template filters and tags shared by every page: statuses, bands, deltas, times, nav.

Every visual signal has a text twin here (an icon never travels without its label), so
templates can honour "colour is never the only signal" without repeating the wording.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import avoid_wrapping, conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import get_language

import scanner
from dashboard.scans.errors import describe

register = template.Library()

# status -> (icon, label). Icons are plain characters so they survive copy-paste and print.
STATUS_TEXT = {
    "pass": ("✓", "Pass"),
    "warn": ("!", "Warning"),
    "fail": ("✗", "Fail"),
    "na": ("\u2013", "Not applicable"),  # en dash
    "unknown": ("?", "Unknown"),
    "waived": ("≈", "Waived"),
}

BAND_TEXT = {
    "critical": "Critical",
    "needs_work": "Needs work",
    "solid": "Solid",
    "production_grade": "Production grade",
}
BAND_ORDER = ("production_grade", "solid", "needs_work", "critical")

STATE_TEXT = {
    "queued": "Queued",
    "cloning": "Cloning",
    "scanning": "Scanning",
    "saving": "Saving",
    "succeeded": "Scanned",
    "failed": "Failed",
    "not_applicable": "Not a FastAPI service",
}

DIMENSION_TEXT = {
    "type_safety": "Type safety",
    "error_handling": "Error handling",
    "testing": "Testing",
    "security": "Security",
    "performance": "Performance",
    "observability": "Observability",
    "database": "Database",
    "deployment": "Deployment",
    "architecture": "Architecture",
    "configuration": "Configuration",
    "documentation": "Documentation",
}

# Short column headings for the 8 dimension levels on the leaderboard.
DIMENSION_ABBR = {
    "type_safety": "Types",
    "error_handling": "Errors",
    "testing": "Tests",
    "security": "Security",
    "performance": "Perf",
    "observability": "Observ.",
    "database": "DB",
    "deployment": "Deploy",
}


@register.filter
def status_icon(status: str | None) -> str:
    return STATUS_TEXT.get(status or "unknown", ("?", ""))[0]


@register.filter
def status_label(status: str | None) -> str:
    return STATUS_TEXT.get(status or "unknown", ("?", str(status)))[1]


@register.filter
def band_label(band: str | None) -> str:
    return BAND_TEXT.get(band or "", "Not scored")


@register.filter
def state_label(state: str | None) -> str:
    return STATE_TEXT.get(state or "", "Never scanned")


@register.filter
def error_title(code: str | None) -> str:
    """The human title of a scan error code ("repo:auth" -> "Access denied")."""
    return describe(code or "").title


@register.filter
def dimension_label(name: str | None) -> str:
    return DIMENSION_TEXT.get(name or "", (name or "").replace("_", " ").capitalize())


@register.filter
def dimension_abbr(name: str | None) -> str:
    return DIMENSION_ABBR.get(name or "", dimension_label(name))


@register.filter
def score(value: float | None) -> str:
    """One decimal, or an em dash when there is no score."""
    return "—" if value is None else f"{value:.1f}"


@register.filter
def percent(value: float | None) -> str:
    """A 0..1 rate as a whole percentage."""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def delta(value: float | None) -> str:
    """Signed change with an arrow: "▲ +3.2", "▼ \u22121.5", "= 0.0", or "—" when unknown."""
    if value is None:
        return "—"
    if abs(value) < 0.05:
        return "= 0.0"
    arrow, sign = ("▲", "+") if value > 0 else ("▼", "\u2212")  # a real minus sign
    return f"{arrow} {sign}{abs(value):.1f}"


@register.filter
def delta_class(value: float | None) -> str:
    if value is None or abs(value) < 0.05:
        return "delta--flat"
    return "delta--up" if value > 0 else "delta--down"


@register.filter
def delta_words(value: float | None) -> str:
    """Screen-reader wording of a delta ("up 3.2 points")."""
    if value is None:
        return "no earlier scan to compare"
    if abs(value) < 0.05:
        return "unchanged"
    return f"{'up' if value > 0 else 'down'} {abs(value):.1f} points"


@register.filter
def reltime(value: datetime | None) -> str:
    """ "3 days ago" (the first unit only), or "never"."""
    if value is None:
        return "never"
    now = timezone.now()
    if value > now:
        return "just now"
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < RECENT_SECONDS:
        return f"{_recent_span(seconds)} ago"
    return f"{timesince(value, now, depth=1)} ago"


# Under 26 days no calendar month fits between the two times (even with their UTC offsets
# apart), so timesince's first unit is weeks, days, hours or minutes: plain division,
# which a leaderboard or fleet check page does hundreds of times per request.
RECENT_SECONDS = 26 * 24 * 3600
SPAN_UNITS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


def _recent_span(seconds: int) -> str:
    """timesince(depth=1) text for 1 minute to RECENT_SECONDS ("3\xa0days")."""
    unit, size = next((unit, size) for unit, size in SPAN_UNITS if seconds >= size)
    return _span_text(unit, seconds // size, get_language())


@lru_cache(maxsize=256)
def _span_text(unit: str, count: int, language: str | None) -> str:
    return avoid_wrapping(TIME_STRINGS[unit] % {"num": count})


@register.filter
def level_class(level: int | None) -> str:
    return "level--none" if level is None else f"level--{int(level)}"


@register.filter
def get_item(mapping, key):
    """dict lookup with a variable key (`row.levels|get_item:dim`)."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag
def versions() -> dict[str, str]:
    """The scanner and rules versions this dashboard renders with (for the footer)."""
    return {"scanner": scanner.__version__, "rules": scanner.RULES_VERSION}


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, section: str):
    """A main-navigation item; the current section carries aria-current="page"."""
    current = context.get("nav_section")
    if current is None:
        match = getattr(context.get("request"), "resolver_match", None)
        current = "current" if match and match.url_name == url_name else None
        current = section if current else None
    try:
        href = reverse(url_name)
    except NoReverseMatch:
        href = "#"
    if current == section:
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
    return format_html('<li><a href="{}">{}</a></li>', href, label)


@register.simple_tag
def service_check_url(repo_name: str, check_id: str) -> str:
    """The service x check drill-down URL (built by hand until the service pages exist)."""
    try:
        return reverse("service-check", args=[repo_name, check_id])
    except NoReverseMatch:
        return f"/services/{repo_name}/checks/{check_id}/"


@register.simple_tag
def service_url(repo_name: str) -> str:
    """The service page URL (built by hand until the service pages exist)."""
    try:
        return reverse("service", args=[repo_name])
    except NoReverseMatch:
        return f"/services/{repo_name}/"


@register.simple_tag
def plotly_scripts() -> str:
    """plotly.js (our own compressed copy) and the chart drawer, both deferred."""
    from dashboard.views.fleet_assets import plotly_js_version

    return format_html(
        '<script src="{}" defer></script><script src="{}" defer></script>',
        reverse("plotly-js", args=[plotly_js_version()]),
        static("js/charts.js"),
    )


# --- badges ------------------------------------------------------------------------------------
# Rendered in Python: a leaderboard page has hundreds of them, and a template include per
# cell costs more than the rest of the page. The `_name.html` fragments call these tags, so
# the markup has one source either way.


@register.simple_tag
@lru_cache(maxsize=4096)  # a few dozen distinct badges per page, rendered hundreds of times
def status_badge(status: str | None, waived: bool = False) -> str:
    key = "waived" if waived else (status or "unknown")
    return format_html(
        '<span class="status status--{}"><span class="status__icon" aria-hidden="true">{}'
        '</span><span class="status__label">{}</span></span>',
        key,
        status_icon(key),
        status_label(key),
    )


@register.simple_tag
@lru_cache(maxsize=4096)  # a few dozen distinct badges per page, rendered hundreds of times
def band_badge(band: str | None) -> str:
    return format_html(
        '<span class="badge band band--{}">{}</span>', band or "none", band_label(band)
    )


@register.simple_tag
@lru_cache(maxsize=4096)  # a few dozen distinct badges per page, rendered hundreds of times
def level_badge(level: int | None, dimension: str = "") -> str:
    name = dimension_label(dimension)
    if level is None:
        return format_html(
            '<span class="level level--none" title="{}: not scored">'
            '\u2013<span class="visually-hidden"> not scored</span></span>',
            name,
        )
    return format_html(
        '<span class="level level--{}" title="{}: level {} of 100">{}</span>',
        int(level),
        name,
        int(level),
        int(level),
    )


@register.simple_tag
@lru_cache(maxsize=4096)  # a few dozen distinct badges per page, rendered hundreds of times
def delta_badge(value: float | None) -> str:
    return format_html(
        '<span class="delta {}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>',
        delta_class(value),
        delta(value),
        delta_words(value),
    )


@register.simple_tag
@lru_cache(maxsize=4096)  # one decimal and four bands: a few thousand distinct bars
def score_bar(value: float | None, band: str | None = "") -> str:
    if not isinstance(value, int | float):  # None, or "" from a missing scan in a template
        return format_html(
            '<span class="score-bar score-bar--{}"><span class="score-bar__value">\u2014'
            "</span></span>",
            band or "none",
        )
    return format_html(
        '<span class="score-bar score-bar--{}"><span class="score-bar__value">{}</span>{}</span>',
        band or "none",
        f"{value:.1f}",
        bar(value, 100, "score-bar"),
    )


@register.simple_tag
@lru_cache(maxsize=4096)
def bar(value: float | int | None, total: float | int | None, kind: str = "rate") -> str:
    """A horizontal bar of value/total as inline SVG: the width is an SVG attribute, so no
    inline style is needed (the Content-Security-Policy forbids style attributes)."""
    if not isinstance(value, int | float) or not total:
        share = 0.0
    else:
        share = max(0.0, min(100.0, 100.0 * value / total))
    return format_html(
        '<svg class="{}__track" viewBox="0 0 100 8" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false"><rect class="{}__fill" width="{}" height="8"/></svg>',
        kind,
        kind,
        f"{share:.1f}",
    )


@register.simple_tag
def scan_state(scan, pending) -> str:
    """Where a service's scanning stands: a newer queued/running/failed scan wins over
    the latest stored result; a failure carries its category."""
    if pending is not None:
        if pending.state == "failed":
            return format_html(
                '<span class="state state--failed"><span aria-hidden="true">\u2717 </span>'
                'Failed<span class="state__detail">{}</span></span>',
                error_title(pending.error_code),
            )
        if pending.state in ("queued", "cloning", "scanning", "saving"):
            return format_html(
                '<span class="state state--active"><span aria-hidden="true">\u27f3 </span>'
                "{}</span>",
                state_label(pending.state),
            )
        scan = pending
    if scan is None:
        return format_html('<span class="state muted">{}</span>', "Never scanned")
    if scan.state == "not_applicable":
        return format_html(
            '<span class="state state--not_applicable">{}</span>', state_label(scan.state)
        )
    return format_html('<span class="state muted">{}</span>', "Up to date")


_BACKTICKS = re.compile(r"`([^`]+)`")


@register.filter
def inline_code(text: str | None) -> str:
    """Product text with `backticked` names shown as code (everything else escaped)."""
    escaped = conditional_escape(text or "")
    return mark_safe(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # nosec B308 B703: escaped above


@register.simple_tag
def score_cells(row) -> str:
    """The leaderboard row's number cells in one go: score, band, the eight dimension
    levels and both deltas (12 cells x 50 rows would be 600 template nodes)."""
    scan = row.scan
    overall = scan.overall if scan else None
    band = scan.band if scan else ""
    number = '<td class="num">{}</td>'.format  # the badges are already escaped HTML
    cells = [
        number(score_bar(overall, band)),
        f"<td>{band_badge(band)}</td>",
        *(number(level_badge(level, dimension)) for dimension, level in row.level_list),
        number(delta_badge(row.delta_prev)),
        number(delta_badge(row.delta_month)),
    ]
    return mark_safe("".join(cells))  # nosec B308 B703: cells are tag output


@register.simple_tag
def chart_rows(chart) -> str:
    """The `<tbody>` rows of a chart's table twin: the label as a row header, then the
    numbers ("—" for a gap). One tag, as a two-year weekly trend is 104 rows."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        ((row[0], _number_cells(row[1:])) for row in chart.rows),
    )


def _number_cells(cells) -> str:
    return format_html_join(
        "", '<td class="num">{}</td>', (("\u2014" if cell is None else cell,) for cell in cells)
    )
