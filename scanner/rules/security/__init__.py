"""Security checks SEC-001..SEC-012 (RULES.md section 4, "Security"), split by theme.

`auth` (who may call what), `secrets` (keys, lifetimes, literals) and `web` (the HTTP
surface and the SQL built behind it). `annotate_endpoint_auth` adds the auth posture of each
endpoint to the route inventory; the engine calls it before building the report.
"""

from __future__ import annotations

from .auth import (
    Sec001AuthDependencies,
    Sec004PasswordHashing,
    Sec006RateLimitAuth,
    Sec011RoleChecks,
    annotate_endpoint_auth,
)
from .secrets import Sec002SigningKeyFromConfig, Sec003ShortLivedTokens, Sec012NoHardcodedSecrets
from .web import (
    Sec005CorsPerEnvironment,
    Sec007HttpsEnforced,
    Sec008SecurityHeaders,
    Sec009NoSqlFromStrings,
    Sec010VulnerabilityScanning,
)

RULES = (
    Sec001AuthDependencies,
    Sec002SigningKeyFromConfig,
    Sec003ShortLivedTokens,
    Sec004PasswordHashing,
    Sec005CorsPerEnvironment,
    Sec006RateLimitAuth,
    Sec007HttpsEnforced,
    Sec008SecurityHeaders,
    Sec009NoSqlFromStrings,
    Sec010VulnerabilityScanning,
    Sec011RoleChecks,
    Sec012NoHardcodedSecrets,
)

__all__ = ["RULES", "annotate_endpoint_auth"]
