"""Checking earlier estimates once outcomes arrive: a window estimated without outcomes by an earlier monitoring
run (from the trail, each stored result checked against its hash) is set against the accuracy realised now.

Windows are matched by the window size and their start and end, so a log that grows by appending keeps its calendar
windows; the row counts then and now are both shown, since late rows may have joined a window."""

from __future__ import annotations

from audit.lifecycle.monitor_types import EarlierEstimate, MonitorResult
from audit.trail import Workspace
from audit.trail import events as ev


def _earlier(ws: Workspace, window: str, time_column: str) -> dict[tuple[str, str], EarlierEstimate]:
    from audit.lifecycle.record import monitoring_result

    found: dict[tuple[str, str], EarlierEstimate] = {}
    for event in ws.events(kind=ev.MONITORING_RUN):  # oldest first: the first estimate made without outcomes wins
        if event.payload["window"] != window:
            continue
        old = MonitorResult.model_validate_json(monitoring_result(ws, event.payload["monitoring_id"]))
        if old.time_column != time_column:
            continue
        for w in old.windows:
            key = (w.start, w.end)
            if key in found or w.n_with_outcome or w.estimated is None or w.estimated.accuracy is None:
                continue
            found[key] = EarlierEstimate(
                monitoring_id=event.payload["monitoring_id"], recorded_at=event.time, n_then=w.n, accuracy=w.estimated.accuracy
            )
    return found


def check_earlier_estimates(ws: Workspace, result: MonitorResult) -> MonitorResult:
    """The result with each window's earlier estimate (if any) and the accuracy realised now."""
    earlier = _earlier(ws, result.window, result.time_column)
    if not earlier:
        return result
    windows, lines = [], []
    for w in result.windows:
        e = earlier.get((w.start, w.end))
        realised = None if w.performance is None or w.performance.accuracy is None else w.performance.accuracy.value
        a = None if e is None else e.accuracy
        if e is None or a is None or realised is None or a.value is None or a.ci_low is None or a.ci_high is None:
            windows.append(w)
            continue
        e = e.model_copy(
            update={
                "n_with_outcome_now": w.n_with_outcome,
                "realised_accuracy": realised,
                "estimation_error": a.value - realised,
                "realised_within_interval": a.ci_low <= realised <= a.ci_high,
            }
        )
        windows.append(w.model_copy(update={"earlier_estimate": e}))
        lines.append(
            f"window {w.start[:10]}: estimated {e.accuracy.value:.3f} [{e.accuracy.ci_low:.3f}, "
            f"{e.accuracy.ci_high:.3f}] by {e.monitoring_id}, realised {realised:.3f} on "
            f"{w.n_with_outcome:,} outcomes"
        )
    if not lines:
        return result
    inside = sum(bool(w.earlier_estimate.realised_within_interval) for w in windows if w.earlier_estimate)
    summary = (
        *result.summary,
        f"Outcomes arrived for {len(lines)} window(s) estimated by an earlier run: the realised "
        f"accuracy fell within the earlier estimate's interval in {inside}; "
        + "; ".join(lines[:3])
        + (" ..." if len(lines) > 3 else "")
        + ".",
    )
    return result.model_copy(update={"windows": tuple(windows), "summary": summary})
