"""Output formats rendered from the scanner's JSON report dict (see `scanner.__main__`).

Each format is a pure function of that dict, so the CLI and the dashboard's exports render
the same findings the same way.
"""

from scanner.report.sarif import render_sarif
from scanner.report.text import render_text

__all__ = ["render_sarif", "render_text"]
