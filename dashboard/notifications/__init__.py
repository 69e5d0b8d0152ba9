"""Alerts (score drop, new P0 failure) and the weekly digest, by webhook or e-mail."""
