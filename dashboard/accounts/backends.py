"""The model backend, refusing every attempt while a name or address is locked out.

Checked in the backend so every sign-in path (our page, the admin's) is throttled.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from dashboard.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if throttle.is_locked(username or kwargs.get("username"), throttle.client_ip(request)):
            raise PermissionDenied("too many failed sign-ins")  # stops the other backends too
        return super().authenticate(request, username=username, password=password, **kwargs)
