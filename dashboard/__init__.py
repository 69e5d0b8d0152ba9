"""Readyboard's Django project and its single app (label `dashboard`)."""
