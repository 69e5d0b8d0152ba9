"""People the dashboard page tests sign in as."""

from __future__ import annotations

import pytest

from tests.dashboard.factories import make_user


@pytest.fixture
def owner():
    return make_user("olivia-owner", staff=True)


@pytest.fixture
def viewer():
    return make_user("victor-viewer")
