"""Monitoring production decisions over time: per window of the log, the groups' selection rates with intervals,
realised error rates and AUC where outcomes arrived, CBPE estimates where they have not, drift against the
reference, and the plan's checks (audit/lifecycle/plan.py `[monitor]`), each pass / alert / insufficient evidence.

A check alerts when the change is beyond the plan's threshold AND its interval excludes no change: the effect size
decides what matters, the interval that it is not noise. The intervals are the audit's own (audit/stats/intervals.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.lifecycle import cbpe
from audit.lifecycle.dist import from_series
from audit.lifecycle.drift import window_drift
from audit.lifecycle.drift_types import Status
from audit.lifecycle.monitor_checks import window_checks
from audit.lifecycle.monitor_groups import GroupLevel, group_levels, group_order, window_group_drift
from audit.lifecycle.monitor_inputs import MonitorInputs
from audit.lifecycle.monitor_summary import METHODS, summarise
from audit.lifecycle.monitor_types import Check, GroupWindow, MonitorResult, Performance, Reference, WindowResult
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import Window, WindowSpec, cut
from audit.result import Estimate
from audit.stats import intervals
from audit.stats.metrics import confusion_counts, parts
from audit.stats.score_metrics import auc_delong


def _est(x: float, n: float, z: float) -> Estimate | None:
    if n <= 0:
        return None
    lo, hi = intervals.rate(x, n, z)
    return Estimate(value=float(x / n), ci_low=float(lo), ci_high=float(hi))


def _group_values(frame: pd.DataFrame, col: str) -> pd.Series:
    s = frame[col]
    return s.astype(str).where(s.notna(), "(missing)")


def _performance(y: np.ndarray, d: np.ndarray, s: np.ndarray | None, z: float, level: float) -> Performance:
    counts = confusion_counts(np.zeros(y.size, dtype=np.int64), y.astype(np.int8), d.astype(np.int8), 1)[0]
    out = {}
    for m in ("accuracy", "tpr", "fpr"):
        num, den = parts(counts, m)
        out[m] = _est(float(num), float(den), z)
    auc = None
    if s is not None and 0 < y.sum() < y.size:
        a, lo, hi = auc_delong(y.astype(np.int8), s, level)
        auc = Estimate(value=a, ci_low=lo, ci_high=hi)
    return Performance(n=int(y.size), auc=auc, **out)


def reference_summary(inp: MonitorInputs, z: float, level: float) -> Reference:
    R = inp.ref
    d = R.decided
    rates = {}
    for col in inp.sensitive:
        g = _group_values(R.frame, col)
        for v, rate in pd.Series(d).groupby(g.to_numpy()).mean().items():
            rates[f"{col}={v}"] = float(rate)
    known = ~np.isnan(R.outcomes_or_nan)
    perf = None
    if known.any():
        perf = _performance(R.outcomes_or_nan[known], d[known], R.scores[known] if R.scores is not None else None, z, level)
    return Reference(
        file=R.info,
        run_id=inp.run_id,
        result_sha256=inp.result_sha256,
        n=int(d.size),
        n_with_outcome=int(known.sum()),
        selection_rate=float(d.mean()) if d.size else None,
        group_rates=rates,
        accuracy=perf.accuracy.value if perf and perf.accuracy else None,
        tpr=perf.tpr.value if perf and perf.tpr else None,
        auc=perf.auc.value if perf and perf.auc else None,
    )


def _groups(inp: MonitorInputs, rows: np.ndarray, z: float) -> list[GroupWindow]:
    R, L = inp.ref, inp.log
    out = []
    for col in inp.sensitive:
        rg, wg = _group_values(R.frame, col).to_numpy(), _group_values(L.frame, col).to_numpy()[rows]
        wd = L.decided[rows]
        values = group_order(rg, wg)
        n_w = np.array([(wg == v).sum() for v in values], float)
        x_w = np.array([wd[wg == v].sum() for v in values], float)
        n_r = np.array([(rg == v).sum() for v in values], float)
        x_r = np.array([R.decided[rg == v].sum() for v in values], float)
        out += group_windows(col, values, n_w, x_w, n_r, x_r, z)
    return out


def group_windows(
    col: str, values: list[str], n_w: np.ndarray, x_w: np.ndarray, n_r: np.ndarray, x_r: np.ndarray, z: float
) -> list[GroupWindow]:
    """One column's groups in a window from their rows and selections, window and reference (both engines)."""
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        top = int(np.nanargmax(np.where(n_w > 0, x_w / n_w, np.nan))) if (n_w > 0).any() else None
    for i, v in enumerate(values):
        change = ratio = None
        if n_w[i] > 0 and n_r[i] > 0:
            dv, lo, hi = intervals.difference(x_w[i], n_w[i], x_r[i], n_r[i], z)
            change = Estimate(value=float(dv), ci_low=float(lo), ci_high=float(hi))
        if n_w[i] > 0 and top is not None and top != i:
            rv, lo, hi = intervals.ratio(x_w[i], n_w[i], x_w[top], n_w[top], z)
            ratio = Estimate(value=float(rv), ci_low=float(lo), ci_high=float(hi))
        out.append(
            GroupWindow(
                column=col,
                group=str(v),
                n=int(n_w[i]),
                selected=int(x_w[i]),
                selection_rate=_est(x_w[i], n_w[i], z),
                reference_rate=float(x_r[i] / n_r[i]) if n_r[i] else None,
                change=change,
                ratio_to_top=ratio,
            )
        )
    return out


def _drift(
    inp: MonitorInputs, rows: np.ndarray, plan: MonitorPlan
) -> tuple[tuple[str, ...], dict[str, Status], dict[str, float], bool]:
    L, R = inp.log, inp.ref
    named = [
        (
            f,
            inp.kinds[f],
            from_series(R.frame[f], inp.kinds[f]),
            from_series(pd.Series(L.frame[f].to_numpy()[rows]), inp.kinds[f]),
        )
        for f in inp.features
    ]
    scores = None
    if R.scores is not None and L.scores is not None:
        scores = (from_series(pd.Series(R.scores), "numeric"), from_series(pd.Series(L.scores[rows]), "numeric"))
    d = L.decided[rows]
    decisions = (int(R.decided.sum()), int(R.decided.size), int(d.sum()), int(d.size))
    alerts, statuses, distances = window_drift(named, scores, decisions, plan.drift)
    return alerts, statuses, distances, rows.size >= plan.drift.min_sample


def window_result(
    inp: MonitorInputs,
    plan: MonitorPlan,
    win: Window,
    ref: Reference,
    ref_expected: float | None,
    z: float,
    levels: Sequence[GroupLevel] = (),
    ref_tpr: float | None = None,
) -> WindowResult:
    rows = win.rows
    L = inp.log
    d = L.decided[rows]
    empty = WindowResult(
        index=win.index,
        start=win.start,
        end=win.end,
        n=int(rows.size),
        n_with_outcome=0,
        status="insufficient_evidence",
        checks=tuple(Check(check=c, status="insufficient_evidence", message="no rows in this window") for c in plan.checks),
    )
    if rows.size == 0:
        return empty
    y = L.outcomes[rows] if L.outcomes is not None else np.full(rows.size, np.nan)
    known = ~np.isnan(y)
    s = L.scores[rows] if L.scores is not None else None
    perf = _performance(y[known], d[known], None if s is None else s[known], z, plan.ci_level) if known.any() else None
    est = check = None
    if s is not None:
        est = cbpe.estimate(s, d, z)
        if known.any():
            check = cbpe.compare_realised(cbpe.estimate(s[known], d[known], z), y[known], d[known])
    drift_alerts: tuple[str, ...] = ()
    statuses: dict[str, Status] = {}
    distances: dict[str, float] = {}
    enough = False
    if "drift" in plan.checks:
        drift_alerts, statuses, distances, enough = _drift(inp, rows, plan)
    group_drift = window_group_drift(inp, levels, rows, plan.drift) if "group_drift" in plan.checks else ()
    w = empty.model_copy(
        update={
            "n_with_outcome": int(known.sum()),
            "selection_rate": _est(float(d.sum()), float(d.size), z),
            "groups": tuple(_groups(inp, rows, z)),
            "performance": perf,
            "estimated": est,
            "estimate_check": check,
            "drift_alerts": drift_alerts,
            "drift_features": statuses,
            "drift_distances": distances,
            "group_drift": group_drift,
            "checks": (),
            "status": "pass",
        }
    )
    checks = window_checks(ref_tpr, plan, w, ref, ref_expected, (drift_alerts, enough))
    status: Status = (
        "alert"
        if any(c.status == "alert" for c in checks)
        else "insufficient_evidence"
        if rows.size < plan.min_window
        else "pass"
    )
    return w.model_copy(update={"checks": tuple(checks), "status": status})


def monitor(inp: MonitorInputs, plan: MonitorPlan, spec: WindowSpec) -> MonitorResult:
    level = plan.ci_level
    z = intervals.z_two_sided(level)
    ref = reference_summary(inp, z, level)
    R = inp.ref
    calibration, ref_expected, ref_tpr = None, None, None
    if R.scores is not None:
        known = ~np.isnan(R.outcomes_or_nan)
        calibration = cbpe.calibration(
            R.scores[known], R.outcomes_or_nan[known] if known.any() else np.zeros(0), R.decided[known], plan.calibration_gap, z
        )
        whole = cbpe.estimate(R.scores, R.decided, z)
        ref_expected = None if whole.accuracy is None else whole.accuracy.value
        ref_tpr = whole.tpr
    levels = group_levels(inp) if "group_drift" in plan.checks else []
    windows = [window_result(inp, plan, w, ref, ref_expected, z, levels, ref_tpr) for w in cut(inp.times, spec, inp.utc)]
    alerts = tuple(
        f"window {w.index} ({w.start} .. {w.end}): {c.check}: {c.message}"
        for w in windows
        for c in w.checks
        if c.status == "alert"
    )
    status: Status = (
        "alert" if alerts else "insufficient_evidence" if all(w.status == "insufficient_evidence" for w in windows) else "pass"
    )
    result = MonitorResult(
        log=inp.log.info,
        reference=ref,
        plan=plan,
        time_column=inp.time_column,
        max_order=inp.max_order,
        window=spec.label(),
        utc=inp.utc,
        decision_source=inp.source,
        positive=inp.positive,
        feature_kinds={**{f: inp.kinds[f] for f in inp.features}, **({"(scores)": "numeric"} if R.scores is not None else {})},
        calibration=calibration,
        windows=tuple(windows),
        alerts=alerts,
        status=status,
        methods=METHODS,
        notes=tuple(inp.notes),
    )
    return result.model_copy(update={"summary": tuple(summarise(result))})
