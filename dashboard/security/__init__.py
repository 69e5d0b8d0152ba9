"""Hardening of the web side: security headers (CSP), viewers are read-only, log scrubbing.

Sign-in for every page is Django's LoginRequiredMiddleware; a view that must stay public
(badges, health) is marked `login_not_required` and listed in `public.PUBLIC_URL_NAMES`,
which the access tests hold every URL pattern against.
"""
