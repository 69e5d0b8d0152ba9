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
from dashboard.models.security import LoginFailure  # noqa: E402
from dashboard.models.waiver import Waiver, WaiverEvent, WaiverKind  # noqa: E402

__all__ += ["LoginFailure", "Waiver", "WaiverEvent", "WaiverKind"]
