"""The plain-language summary of a drift result: what drifts, how far, and what lacks evidence."""

from __future__ import annotations

from audit.lifecycle.drift_types import DriftResult
from audit.result import Estimate


def _rate(e: Estimate | None) -> str:
    if e is None or e.value is None:
        return "undefined"
    return f"{e.value:.3f} [{e.ci_low:.3f}, {e.ci_high:.3f}]"


def summarise(r: DriftResult) -> list[str]:
    out = [
        f"Reference {r.reference.name} ({r.reference.rows:,} rows) against current {r.current.name} "
        f"({r.current.rows:,} rows); thresholds from {r.plan.source}."
    ]
    drifting = [f for f in r.features if f.status == "alert"]
    unsure = [f for f in r.features if f.status == "insufficient_evidence"]
    if r.features:
        line = f"{len(drifting)} of {len(r.features)} features drift"
        line += (
            (": " + "; ".join(f"{f.name} ({f.reasons[-1]})" for f in drifting[:5]) + (" ..." if len(drifting) > 5 else ""))
            if drifting
            else ""
        )
        out.append(line + ".")
    if unsure:
        out.append(f"{len(unsure)} feature(s) lack evidence: {', '.join(f.name for f in unsure[:8])}.")
    p = r.predictions
    if p is not None:
        parts = []
        if p.scores is not None and p.scores.wasserstein_normed is not None:
            parts.append(f"scores moved by {p.scores.wasserstein_normed:.3f} reference sd (PSI {p.scores.psi:.3f})")
        if p.decision_rate_change is not None:
            parts.append(
                f"the rate of '{p.positive}' decisions went from {_rate(p.decision_rate_reference)} to "
                f"{_rate(p.decision_rate_current)}"
            )
        out.append(f"Predictions ({p.source}): " + "; ".join(parts) + f" - {p.status.replace('_', ' ')}.")
    for s in r.group_shares:
        if s.status == "alert":
            out.append(f"The make-up of {s.name} changed: {s.reasons[-1]}.")
    flagged = [g for g in r.groups if g.status == "alert"]
    if flagged:
        out.append(
            "Groups with alerts: "
            + "; ".join(f"{g.column}={g.group} ({g.reasons[0]})" for g in flagged[:6])
            + (" ..." if len(flagged) > 6 else "")
            + "."
        )
    out.append(f"{len(r.alerts)} alert(s) fired." if r.alerts else "No alert fired.")
    return out
