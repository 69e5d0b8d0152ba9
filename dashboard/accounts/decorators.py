"""`role_required` for function views and `RoleRequiredMixin` for class-based ones.

Anonymous people are sent to sign in; signed-in people without the role get 403.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from dashboard.accounts.roles import ROLES, has_role


def role_required(role: str):
    """Decorator: the view runs only for users holding `role` (or a higher one)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                raise PermissionDenied(f"This needs the {role} role.")
            return view(request, *args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorate


class RoleRequiredMixin:
    """For class-based views: set `required_role`."""

    required_role: str = ROLES[0]

    def dispatch(self, request, *args, **kwargs):
        return role_required(self.required_role)(super().dispatch)(request, *args, **kwargs)
