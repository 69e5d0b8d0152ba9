"""Readyboard's static scanner: scores a FastAPI code tree against the rule catalogue.

Pure Python, never imports Django, never imports or runs code from the scanned tree.
"""

__version__ = "0.1.0"
RULES_VERSION = "3.1"
SCHEMA_VERSION = 1
