"""Template filters of the service pages (the shared ones live in `readyboard`)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from dashboard.templatetags.readyboard import score

register = template.Library()

# Quick-health signal value -> (icon, word). Words carry the meaning; icons help.
HEALTH_TEXT = {2: ("●", "Good"), 1: ("◐", "Partial"), 0: ("○", "Poor"), None: ("\u2013", "n/a")}

SIGNAL_TEXT = {
    "type_safety": "Type safety",
    "error_handling": "Error handling",
    "auth": "Auth",
    "testing": "Testing",
    "database": "Database",
    "observability": "Observability",
    "deployment": "Deployment",
    "documentation": "Documentation",
}

TRIGGER_TEXT = {"manual": "Manual", "scheduled": "Scheduled", "api": "API", "import": "Import"}


@register.filter
def health_icon(value: int | None) -> str:
    return HEALTH_TEXT.get(value, HEALTH_TEXT[None])[0]


@register.filter
def health_word(value: int | None) -> str:
    return HEALTH_TEXT.get(value, HEALTH_TEXT[None])[1]


@register.filter
def health_class(value: int | None) -> str:
    return "health--na" if value is None else f"health--{value}"


@register.filter
def signal_label(name: str) -> str:
    return SIGNAL_TEXT.get(name, name.replace("_", " ").capitalize())


@register.filter
def trigger_label(trigger: str) -> str:
    return TRIGGER_TEXT.get(trigger, trigger.capitalize())


@register.filter
def seconds(value: float | None) -> str:
    """A duration for people: "850 ms", "12.4 s", "3 min 5 s"."""
    if value is None:
        return "—"
    if value < 1:
        return f"{round(value * 1000)} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


@register.filter
def signed(value: float | None) -> str:
    """+12.5 or -3.0 (shown with a real minus sign) (score effects of single checks)."""
    if value is None:
        return "—"
    if abs(value) < 0.05:
        return "±0.0"
    return f"+{value:.1f}" if value > 0 else f"\u2212{abs(value):.1f}"


@register.filter
def metric_items(metric) -> list[tuple[str, str]]:
    """A check's metric dict as (label, value) pairs for a definition list."""
    if not isinstance(metric, dict):
        return []
    return [(str(k).replace("_", " "), _metric_value(v)) for k, v in metric.items()]


def _metric_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None else str(value)


# --- rendered in Python: long lists on the service page ----------------------------------
# A year of weekly scans makes two 52-option pickers and two 52-row chart tables; a template
# loop with filters per item costs more than the rest of the page.


@register.simple_tag
def scan_options(rows, selected: int | None) -> str:
    """`<option>`s for a scan picker: "#id · date · overall", `selected` pre-chosen."""
    return format_html_join(
        "",
        '<option value="{}"{}>#{} · {} · {}</option>',
        (
            (
                row.id,
                mark_safe(" selected") if row.id == selected else "",
                row.id,
                timezone.localtime(row.queued_at).strftime("%Y-%m-%d %H:%M"),
                score(row.overall),
            )
            for row in rows
        ),
    )
