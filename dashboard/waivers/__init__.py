"""Waivers and attestations made in the dashboard: service functions, forms, views.

`service.active_waivers_for(repo)` is what scoring and pages ask; `service.effective_states`
gives a page the waived/attested state of each check of a scan, whichever source (the
repository's own config and comments, stored by the scanner, or the dashboard) made it.
"""
