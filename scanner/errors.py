"""Errors the scanner reports to its callers (CLI exit code 2, dashboard scan failure)."""


class ScanInputError(Exception):
    """The tree cannot be scanned as asked: missing path, not a folder, bad app root."""
