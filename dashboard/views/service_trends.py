"""Trend charts of one service: overall and per-dimension scores from its stored history.

Built with the shared chart builders (`dashboard.charts`); each chart carries its own table
twin for screen readers and for reading without JavaScript.
"""

from __future__ import annotations

from dashboard.charts import Chart, Series, line_chart
from dashboard.queries.service import TrendPoint
from dashboard.templatetags.readyboard import dimension_label
from scanner import scoring


def trend_context(points: list[TrendPoint]) -> dict:
    return {"trend": points, "charts": trend_charts(points) if len(points) > 1 else []}


def trend_charts(points: list[TrendPoint]) -> list[tuple[str, Chart]]:
    """(chart id, chart) for the overall score and the eight dimensions, oldest first."""
    overall = line_chart(
        [Series("Overall", [(p.at, p.overall) for p in points])], title="Overall score"
    )
    dimensions = line_chart(
        [
            Series(dimension_label(name), [(p.at, p.dimensions.get(name)) for p in points])
            for name in scoring.DIMENSION_NAMES
        ],
        title="Dimension scores",
        bands=False,
        height=300,
    )
    # Eight series: a legend beside the plot stays inside the figure (below, it wraps
    # into rows that spill over whatever follows the chart).
    layout = dimensions.figure["layout"]
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"}
    layout["margin"] = {**layout["margin"], "r": 8}
    return [("trend-overall", overall), ("trend-dimensions", dimensions)]
