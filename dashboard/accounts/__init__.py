"""Sign-in and roles: viewer (read), maintainer (register, scan, waive), admin (everything).

Roles are Django groups carrying model permissions (`roles.ensure_roles` keeps them in
shape after every migrate); code asks `has_role(user, MAINTAINER)` or decorates views with
`role_required(MAINTAINER)`. Failed sign-ins are throttled (`throttle`).
"""
