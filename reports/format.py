"""How numbers, intervals, p-values and groups are written in the report. Tests format expected values with these same
functions, so "as printed" is checked exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.result import Estimate

DASH = "–"  # shown for an undefined value (e.g. TPR of a group with no actual positives)

METRIC_NAMES = {
    "selection_rate": "Selection rate",
    "base_rate": "Base rate",
    "accuracy": "Accuracy",
    "tpr": "TPR (recall)",
    "fnr": "FNR",
    "fpr": "FPR",
    "tnr": "TNR",
    "precision": "Precision",
    "npv": "NPV",
    "f1": "F1",
    "auc": "AUC",
    "brier": "Brier score",
    "calibration_error": "Calibration error (ECE)",
}
SHORT_METRIC = {
    "selection_rate": "Sel. rate",
    "base_rate": "Base rate",
    "tpr": "TPR",
    "fpr": "FPR",
    "fnr": "FNR",
    "tnr": "TNR",
    "precision": "Precision",
    "npv": "NPV",
    "accuracy": "Accuracy",
    "f1": "F1",
}
STATUS_TEXT = {"pass": "✓ PASS", "fail": "✗ FAIL", "insufficient_evidence": "? INSUFFICIENT"}
SMALL_MARK = "✱ small n"
REF_MARK = "(ref)"


def num(v: float | None, digits: int = 3) -> str:
    return DASH if v is None else f"{v:.{digits}f}"


def signed(v: float | None, digits: int = 3) -> str:
    return DASH if v is None else f"{v:+.{digits}f}"


def ci(e: Estimate | None, digits: int = 3, sign: bool = False) -> str:
    if e is None or e.ci_low is None or e.ci_high is None:
        return ""
    f = signed if sign else num
    return f"[{f(e.ci_low, digits)}, {f(e.ci_high, digits)}]"


def est(e: Estimate | None, digits: int = 3, sign: bool = False) -> str:
    """'0.712 [0.690, 0.733]'; '0.712' without an interval; '–' when undefined."""
    if e is None or e.value is None:
        return DASH
    head = signed(e.value, digits) if sign else num(e.value, digits)
    tail = ci(e, digits, sign)
    return f"{head} {tail}" if tail else head


def est_lines(e: Estimate | None, digits: int = 3, sign: bool = False) -> str:
    """The same on two lines (value, then interval) for narrow table cells."""
    return est(e, digits, sign).replace(" [", "\n[", 1)


def pval(p: float | None) -> str:
    if p is None:
        return DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def pct(share: float | None, digits: int = 1) -> str:
    return DASH if share is None else f"{100 * share:.{digits}f}%"


def count(n: int | None) -> str:
    return DASH if n is None else f"{n:,}"


def short_hash(h: str | None, n: int = 12) -> str:
    return DASH if not h else h[:n]


def group(attrs: Mapping[str, str], values_only: bool = False) -> str:
    if not attrs:
        return "everyone"
    if values_only:
        return " & ".join(str(v) for v in attrs.values())
    return " & ".join(f"{k}={v}" for k, v in attrs.items())


def level(features: tuple[str, ...]) -> str:
    return " × ".join(features) if features else "everyone"


def metric(name: str) -> str:
    return METRIC_NAMES.get(name, name)
