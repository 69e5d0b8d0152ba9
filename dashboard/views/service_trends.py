"""Trend data of one service for the page: chart figures plus the same numbers as a table.

The table is the chart's twin for screen readers and for reading without JavaScript.
"""

from __future__ import annotations

from dashboard.queries.service import TrendPoint
from scanner import scoring


def trend_context(points: list[TrendPoint]) -> dict:
    return {
        "trend": points,
        "trend_dimensions": list(scoring.DIMENSION_NAMES),
        "trend_rows": [
            {
                "point": point,
                "dimensions": [point.dimensions.get(name) for name in scoring.DIMENSION_NAMES],
            }
            for point in reversed(points)  # newest first in the table
        ],
    }
