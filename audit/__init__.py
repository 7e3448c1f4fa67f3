"""Attest's domain core: loading, metrics, explanations, trail and the typed audit result. No Qt, no reportlab."""
from audit.cancel import CancelToken
from audit.errors import AttestError, Cancelled, InputError
from audit.policy import PRESETS, Check, Policy, resolve_policy
from audit.result import SCHEMA_VERSION, AuditResult
from audit.run import run_audit
from audit.spec import AuditSpec, DeclaredContext

__all__ = [
    "AttestError", "AuditResult", "AuditSpec", "CancelToken", "Cancelled", "Check", "DeclaredContext", "InputError",
    "PRESETS", "Policy", "SCHEMA_VERSION", "resolve_policy", "run_audit",
]
