"""Plain-language summary of a monitoring run."""

from __future__ import annotations

from audit.lifecycle import cbpe
from audit.lifecycle.monitor_types import MonitorResult

METHODS = {
    "windows": "calendar days from 00:00 of the first logged day, calendar months from the first of its month (UTC "
    "when the log's times carry offsets), or every N rows in time order",
    "selection_rate": "share of positive decisions with the Agresti-Coull interval (audit.stats.intervals.rate)",
    "change": "window minus reference with the MOVER/Newcombe interval (audit.stats.intervals.difference)",
    "ratio_to_top": "a group's rate over the window's most selected group's, MOVER-R (audit.stats.intervals.ratio)",
    "performance": "accuracy, TPR, FPR from the confusion counts of the rows whose outcome is known "
    "(audit.stats.metrics), Agresti-Coull intervals; AUC with DeLong's interval (audit.stats.score_metrics)",
    "estimated": "confidence-based performance estimation (audit/lifecycle/cbpe.py); " + cbpe.ASSUMPTION,
    "drift": "audit/lifecycle/drift.py on the window against the reference, thresholds of the plan's [drift]",
    "group_drift": "audit/lifecycle/drift.py's statistics within each group and intersection (up to max_order) of a "
    "window against the same group's reference rows; fewer than [drift] min_sample rows on a side: insufficient evidence",
    "checks": "alert = change beyond the plan's threshold and its interval excluding no change",
}


def summarise(r: MonitorResult) -> list[str]:
    ws = r.windows
    alerting = [w for w in ws if w.status == "alert"]
    thin = [w for w in ws if w.status == "insufficient_evidence"]
    ref = r.reference
    against = f"run {ref.run_id} ({ref.file.name})" if ref.run_id else ref.file.name
    out = [
        f"{r.log.name}: {r.log.rows:,} decisions in {len(ws)} window(s) of {r.window}"
        f"{' (UTC)' if r.utc else ''}, monitored against {against}."
    ]
    if alerting:
        first = alerting[0]
        kinds = sorted({c.check for w in alerting for c in w.checks if c.status == "alert"})
        out.append(f"ALERT in {len(alerting)} window(s), the first from {first.start}: {', '.join(kinds)}.")
    else:
        out.append("No alert: every check passed or lacked the evidence to decide.")
    if thin:
        out.append(f"{len(thin)} window(s) had fewer than {r.plan.min_window} rows: insufficient evidence there.")
    estimated = [w for w in ws if w.estimated is not None and w.n_with_outcome == 0 and w.n]
    if estimated:
        out.append(
            f"{len(estimated)} window(s) without outcomes: accuracy is ESTIMATED from the scores (CBPE), "
            "which assumes calibrated scores."
        )
    if r.calibration is not None:
        out.append(r.calibration.statement)
    checked = [w.estimate_check for w in ws if w.estimate_check is not None and w.estimate_check.n]
    if checked:
        inside = sum(bool(c.realised_within_interval) for c in checked)
        worst = max(abs(c.estimation_error or 0.0) for c in checked)
        out.append(
            f"Where outcomes arrived ({len(checked)} window(s)), the realised accuracy fell within the "
            f"estimate's interval in {inside}; the largest estimation error was {worst:.3f}."
        )
    return out
