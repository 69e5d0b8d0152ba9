"""The three roles as Django groups with permissions, and the questions code asks of them."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

VIEWER = "viewer"
MAINTAINER = "maintainer"
ADMIN = "admin"
ROLES = (VIEWER, MAINTAINER, ADMIN)
_RANK = {VIEWER: 1, MAINTAINER: 2, ADMIN: 3}

_READ_MODELS = (
    "team", "repository", "scan", "dimensionscore", "checkresult", "evidence", "waiver",
    "waiverevent",
)
VIEWER_PERMISSIONS = tuple(f"view_{model}" for model in _READ_MODELS)
MAINTAINER_PERMISSIONS = (
    *VIEWER_PERMISSIONS,
    "add_team", "change_team", "add_repository", "change_repository", "add_scan",
    "add_waiver", "change_waiver", "manage_waivers",
)


def ensure_roles() -> dict[str, Group]:
    """Create the role groups and give each its permissions (idempotent)."""
    dashboard = Permission.objects.filter(content_type__app_label="dashboard")
    wanted = {
        VIEWER: dashboard.filter(codename__in=VIEWER_PERMISSIONS),
        MAINTAINER: dashboard.filter(codename__in=MAINTAINER_PERMISSIONS),
        ADMIN: Permission.objects.filter(content_type__app_label__in=("dashboard", "auth")),
    }
    groups = {}
    for role, permissions in wanted.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions)
        groups[role] = group
    return groups


def role_of(user) -> str | None:
    """The user's highest role; None for anonymous or inactive users.

    A superuser is an admin. A signed-in user in no role group is a viewer: every account
    is made by an admin, and reading is the least anyone signed in may do.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    names = getattr(user, "_readyboard_groups", None)
    if names is None:
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._readyboard_groups = names  # once per request: the user object is per request
    return max(names, key=_RANK.__getitem__, default=VIEWER)


def has_role(user, role: str) -> bool:
    """Whether the user holds `role` or a higher one."""
    held = role_of(user)
    return held is not None and _RANK[held] >= _RANK[role]


def assign_role(user, role: str) -> None:
    """Make `role` the user's only role; admins also get the Django admin site."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    groups = ensure_roles()
    user.groups.remove(*[g for name, g in groups.items() if name != role])
    user.groups.add(groups[role])
    user.is_staff = role == ADMIN
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_readyboard_groups", None)
