"""Attest's domain core: loading, metrics, explanations, trail and the typed audit result. No Qt, no reportlab.

Names are imported on first use, so `import audit.trail` (or the CLI's start-up) does not pay for numpy, scipy and pandas."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "AttestError": "audit.errors",
    "Cancelled": "audit.errors",
    "InputError": "audit.errors",
    "CancelToken": "audit.cancel",
    "PRESETS": "audit.policy",
    "Check": "audit.policy",
    "Policy": "audit.policy",
    "resolve_policy": "audit.policy",
    "SCHEMA_VERSION": "audit.result",
    "AuditResult": "audit.result",
    "run_audit": "audit.run",
    "AuditSpec": "audit.spec",
    "DeclaredContext": "audit.spec",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
