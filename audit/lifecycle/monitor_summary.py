"""Plain-language summary of a monitoring run."""

from __future__ import annotations

from audit.lifecycle.monitor_types import MonitorResult


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
        worst = max(abs(c.estimation_error) for c in checked)
        out.append(
            f"Where outcomes arrived ({len(checked)} window(s)), the realised accuracy fell within the "
            f"estimate's interval in {inside}; the largest estimation error was {worst:.3f}."
        )
    return out
