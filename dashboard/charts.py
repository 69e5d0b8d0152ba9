"""Chart builders: Plotly figures as plain JSON, each with a table twin for reading without JS.

A builder returns a `Chart`: `figure` is a plotly.js figure spec (`{"data", "layout",
"config"}`) written as plain dicts (building `plotly.graph_objects` figures costs
milliseconds of validation per page for nothing), and `table` holds the same numbers for
the `<details>` fallback. Render one with `{% include "_chart.html" with chart=... %}` and
put `{% plotly_scripts %}` (from the `readyboard` tag library) once on the page: it loads
plotly.js from our own compressed, long-cached asset URL and `static/js/charts.js`, which
draws every `[data-plotly]` element, including ones htmx swaps in later.

plotly.js writes `style` attributes while drawing, which our Content-Security-Policy
(nonce-only `style-src`) refuses; decorate a view whose page has charts with
`@allows_chart_styles`: its response allows inline styles, while scripts stay nonce-only.

Usage from a view::

    from dashboard.charts import Series, line_chart
    chart = line_chart(
        [Series("billing-api", [(scan.queued_at, scan.overall) for scan in history])],
        title="Overall score",
    )
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any

# Band thresholds (RULES.md 2.1) shaded behind score charts, lowest first.
BAND_SHADES = (
    (0, 40, "rgba(180, 35, 24, 0.06)"),
    (40, 60, "rgba(138, 83, 0, 0.06)"),
    (60, 80, "rgba(31, 87, 195, 0.05)"),
    (80, 100, "rgba(29, 122, 60, 0.06)"),
)
# Series colours (colour-blind-safe order); lines also differ by marker symbol.
PALETTE = ("#2f4fd8", "#c2410c", "#15803d", "#7e22ce", "#0e7490", "#b45309", "#be123c", "#4d7c0f")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'
CONFIG = {"displayModeBar": False, "responsive": True, "displaylogo": False}

Point = tuple[date | datetime | str, float | None]

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
# Up to this many periods between the first and the last point, the date axis gets a fixed
# range and one tick per period: Plotly's own range around one point (or two close ones)
# spans a second or a few hours, and its ticks then read as times of day or fractions.
# Three weeks make four weekly ticks, which fit the narrow fleet summary card.
SHORT_SPAN_PERIODS = 3
# A short axis is at least a week wide, centred on the points.
SHORT_AXIS_MIN = WEEK
TICK_ANCHOR = "2024-01-01"  # a Monday at midnight: ticks counted from it fall on Mondays
SHORT_TICK_FORMAT = "%-d %b"  # "3 Mar"; the hover text and the table carry the year
FEW_POINTS = 2  # series this short get larger markers, as there is no line to follow


@dataclass(frozen=True)
class Series:
    """One line: a name and (x, y) points in x order; y None leaves a gap."""

    name: str
    points: Sequence[Point]


@dataclass
class Chart:
    """A figure and its fallback table. `summary` is the text screen readers get."""

    title: str
    figure: dict[str, Any]
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    summary: str = ""

    @property
    def json(self) -> str:
        """The figure as JSON for a `data-plotly` attribute (the template escapes it)."""
        return json.dumps(self.figure, separators=(",", ":"), default=_json_default)

    @property
    def empty(self) -> bool:
        return not self.rows


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_title: str = "Score",
    y_range: tuple[float, float] | None = (0, 100),
    bands: bool = True,
    height: int = 260,
    period: timedelta = DAY,
) -> Chart:
    """Scores over time, one line per series (trend of a service, a dimension, the fleet).

    `period` is how far apart the x values are meant to be: DAY for individual scans, WEEK
    for weekly figures (each x the week's Monday); it sets the ticks of a short axis and
    names the table's first column. `bands` shades the RULES.md band ranges behind the
    lines when the y axis is 0..100. The fallback table has one row per x value and one
    column per series.
    """
    hover_x = "Week of %{x|%-d %b %Y}" if period == WEEK else "%{x|%-d %b %Y}"
    traces = [_line_trace(s, i, hover_x) for i, s in enumerate(series)]
    layout = _layout(height, y_title, y_range, show_legend=len(series) > 1)
    layout["xaxis"].update(_date_axis([x for s in series for x, _ in s.points], period))
    if bands and y_range == (0, 100):
        layout["shapes"] = [_band_shape(low, high, colour) for low, high, colour in BAND_SHADES]
    columns, rows = _series_table(series, "Week of" if period == WEEK else "Date")
    return Chart(
        title=title,
        figure={"data": traces, "layout": layout, "config": CONFIG},
        columns=columns,
        rows=rows,
        summary=_line_summary(title, series),
    )


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float | int],
    *,
    title: str,
    x_title: str = "",
    y_title: str = "Services",
    colours: Sequence[str] | None = None,
    tick_labels: Sequence[str] | None = None,
    height: int = 240,
) -> Chart:
    """Counts per category (a score histogram, services per band), one bar each."""
    trace: dict[str, Any] = {
        "type": "bar",
        "x": list(categories),
        "y": list(values),
        "marker": {"color": list(colours) if colours else PALETTE[0]},
        "hovertemplate": "%{x}: %{y}<extra></extra>",
        "text": [str(v) for v in values],
        "textposition": "outside",
        "cliponaxis": False,
    }
    layout = _layout(height, y_title, None, show_legend=False)
    layout["xaxis"].update({"type": "category", "title": {"text": x_title}, "tickangle": 0})
    if tick_labels:  # short axis labels; hover and the table keep the full category names
        layout["xaxis"].update({"tickvals": list(categories), "ticktext": list(tick_labels)})
    layout["yaxis"]["rangemode"] = "tozero"
    if max(values, default=0) <= 10:  # whole services only: no 0.5 or 1.5 ticks
        layout["yaxis"].update({"tick0": 0, "dtick": 1})
    layout["bargap"] = 0.15
    pairs = list(zip(categories, values, strict=True))
    return Chart(
        title=title,
        figure={"data": [trace], "layout": layout, "config": CONFIG},
        columns=[x_title or "Category", y_title],
        rows=[[c, v] for c, v in pairs],
        summary=f"{title}: " + ", ".join(f"{c}: {v}" for c, v in pairs),
    )


def score_histogram(histogram: Sequence[tuple[int, int, int]], *, title: str) -> Chart:
    """Services per 10-point score range; `histogram` holds (from, to, count) triples."""
    labels = [f"{low}\u2013{high}" for low, high, _ in histogram]
    colours = [_band_colour(low) for low, _, _ in histogram]
    return bar_chart(
        labels,
        [count for _, _, count in histogram],
        title=title,
        x_title="Overall score (10-point ranges)",
        colours=colours,
        tick_labels=[str(low) for low, _, _ in histogram],
    )


# --- helpers -------------------------------------------------------------------------------


def _layout(
    height: int, y_title: str, y_range: tuple[float, float] | None, *, show_legend: bool
) -> dict[str, Any]:
    yaxis: dict[str, Any] = {
        "title": {"text": y_title},
        "gridcolor": "#e3e7ed",
        "zeroline": False,
        "fixedrange": True,
    }
    if y_range:
        yaxis["range"] = list(y_range)
    return {
        "height": height,
        "margin": {"l": 48, "r": 12, "t": 16, "b": 40},
        "font": {"family": FONT, "size": 12, "color": "#1b1f24"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "showlegend": show_legend,
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified" if show_legend else "closest",
        "xaxis": {"gridcolor": "#eef1f5", "fixedrange": True},
        "yaxis": yaxis,
    }


def _date_axis(xs: Sequence[date | datetime | str], period: timedelta) -> dict[str, Any]:
    """Plotly x-axis settings for dates: Plotly's own range and ticks over a long span; over
    a short one (a single point included) a range padded by half a period each side, at
    least SHORT_AXIS_MIN wide, with a tick per period ("3 Mar", on Mondays for WEEK)."""
    axis: dict[str, Any] = {"type": "date"}
    moments = sorted(_wall_time(x) for x in xs if isinstance(x, date))
    if not moments or moments[-1] - moments[0] > SHORT_SPAN_PERIODS * period:
        return axis
    start, end = moments[0] - period / 2, moments[-1] + period / 2
    widen = max(SHORT_AXIS_MIN - (end - start), timedelta(0)) / 2
    axis.update(
        {
            "range": [_plotly_date(start - widen), _plotly_date(end + widen)],
            "tickmode": "linear",
            "tick0": TICK_ANCHOR,
            "dtick": int(period.total_seconds() * 1000),  # Plotly counts date steps in ms
            "tickformat": SHORT_TICK_FORMAT,
        }
    )
    return axis


def _line_trace(series: Series, index: int, hover_x: str) -> dict[str, Any]:
    xs, ys = zip(*series.points, strict=True) if series.points else ((), ())
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": series.name,
        "x": [_x_value(x) for x in xs],
        "y": list(ys),
        "line": {"color": PALETTE[index % len(PALETTE)], "width": 2},
        "marker": {
            "symbol": SYMBOLS[index % len(SYMBOLS)],
            "size": 9 if len(xs) <= FEW_POINTS else 6,
        },
        "connectgaps": False,
        "hovertemplate": f"{hover_x}: %{{y:.1f}}<extra>{series.name}</extra>",
    }


def _band_shape(low: float, high: float, colour: str) -> dict[str, Any]:
    return {
        "type": "rect",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": low,
        "y1": high,
        "fillcolor": colour,
        "line": {"width": 0},
        "layer": "below",
    }


def _band_colour(low: float) -> str:
    if low >= 80:
        return "#1d7a3c"
    if low >= 60:
        return "#1f57c3"
    if low >= 40:
        return "#c77c02"
    return "#b42318"


def _series_table(series: Sequence[Series], x_title: str) -> tuple[list[str], list[list[Any]]]:
    by_x: dict[str, list[Any]] = {}
    for index, one in enumerate(series):
        for x, y in one.points:
            key = _x_label(x)
            by_x.setdefault(key, [None] * len(series))[index] = y
    columns = [x_title, *(s.name for s in series)]
    return columns, [[x, *values] for x, values in by_x.items()]


def _line_summary(title: str, series: Sequence[Series]) -> str:
    parts = []
    for one in series:
        values = [y for _, y in one.points if y is not None]
        if values:
            parts.append(f"{one.name} from {values[0]:.1f} to {values[-1]:.1f}")
    return f"{title}: " + ("; ".join(parts) if parts else "no data yet")


def _x_value(x: date | datetime | str) -> str:
    return x.isoformat() if isinstance(x, date | datetime) else str(x)


def _x_label(x: date | datetime | str) -> str:
    return x.date().isoformat() if isinstance(x, datetime) else _x_value(x)


def _wall_time(x: date | datetime) -> datetime:
    """The date or time as plotly.js places it: local wall time, any offset ignored."""
    if isinstance(x, datetime):
        return x.replace(tzinfo=None)
    return datetime.combine(x, time.min)


def _plotly_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# --- Content-Security-Policy for pages with charts ------------------------------------------


def chart_csp(nonce: str) -> str:
    """The site's policy with `style-src` opened to inline styles (plotly.js needs them).

    Inline styles cannot run code; `script-src` keeps its nonce, so injected markup still
    cannot execute anything. A nonce in `style-src` would make browsers ignore
    'unsafe-inline', so the style directive carries none.
    """
    from dashboard.security.middleware import content_security_policy

    directives = [part.strip() for part in content_security_policy(nonce).split(";")]
    return "; ".join(
        "style-src 'self' 'unsafe-inline'" if part.startswith("style-src") else part
        for part in directives
    )


def allows_chart_styles(view: Callable) -> Callable:
    """View decorator: the page draws Plotly charts (see `chart_csp`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        nonce = getattr(request, "csp_nonce", None)
        if nonce:
            response.headers["Content-Security-Policy"] = chart_csp(nonce)
        return response

    return wrapper
