"""Readyboard's data model, one module per subject; import from `dashboard.models`."""

from dashboard.models.repository import Repository
from dashboard.models.scan import (
    ACTIVE_STATES,
    FINAL_STATES,
    Band,
    CheckResult,
    CheckStatus,
    DimensionScore,
    Evidence,
    Scan,
    ScanState,
    Trigger,
)
from dashboard.models.team import Team

__all__ = [
    "ACTIVE_STATES",
    "FINAL_STATES",
    "Band",
    "CheckResult",
    "CheckStatus",
    "DimensionScore",
    "Evidence",
    "Repository",
    "Scan",
    "ScanState",
    "Team",
    "Trigger",
]
from dashboard.models.api_token import ApiToken
from dashboard.models.notification import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    NotificationTarget,
    TargetKind,
)

__all__ += [
    "ApiToken",
    "Delivery",
    "DeliveryKind",
    "DeliveryState",
    "NotificationTarget",
    "TargetKind",
]
