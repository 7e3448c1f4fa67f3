"""Monitoring production decisions over time: per window of the log, the groups' selection rates with intervals,
realised error rates and AUC where outcomes arrived, CBPE estimates where they have not, drift against the
reference, and the plan's checks (audit/lifecycle/plan.py `[monitor]`), each pass / alert / insufficient evidence.

A check alerts when the change is beyond the plan's threshold AND its interval excludes no change: the effect size
decides what matters, the interval that it is not noise. The intervals are the audit's own (audit/intervals.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit import intervals
from audit.lifecycle import cbpe
from audit.lifecycle.drift import measure_drift
from audit.lifecycle.drift_inputs import DriftInputs
from audit.lifecycle.drift_inputs import Side as DriftSide
from audit.lifecycle.monitor_groups import GroupLevel, group_drift_check, group_levels, window_group_drift
from audit.lifecycle.monitor_inputs import MonitorInputs
from audit.lifecycle.monitor_summary import METHODS, summarise
from audit.lifecycle.monitor_types import Check, GroupWindow, MonitorResult, Performance, Reference, WindowResult
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import Window, WindowSpec, cut
from audit.metrics import confusion_counts, parts
from audit.result import Estimate
from audit.scoremetrics import auc_delong


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
    d = R.decisions
    rates = {}
    for col in inp.sensitive:
        g = _group_values(R.frame, col)
        for v, rate in pd.Series(d).groupby(g.to_numpy()).mean().items():
            rates[f"{col}={v}"] = float(rate)
    known = ~np.isnan(R.outcomes) if R.outcomes is not None else np.zeros(d.size, bool)
    perf = None
    if known.any():
        perf = _performance(R.outcomes[known], d[known], R.scores[known] if R.scores is not None else None, z, level)
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
        wd = L.decisions[rows]
        values = list(pd.unique(np.concatenate([rg, wg])))
        n_w = np.array([(wg == v).sum() for v in values], float)
        x_w = np.array([wd[wg == v].sum() for v in values], float)
        n_r = np.array([(rg == v).sum() for v in values], float)
        x_r = np.array([R.decisions[rg == v].sum() for v in values], float)
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
) -> tuple[tuple[str, ...], dict[str, str], dict[str, float], bool]:
    L, R = inp.log, inp.ref
    cur = L.frame.iloc[rows].reset_index(drop=True)
    info = L.info.model_copy(update={"rows": int(rows.size)})
    di = DriftInputs(
        R.frame,
        cur,
        R.info,
        info,
        list(inp.features),
        dict(inp.kinds),
        [],
        source=inp.source,
        positive=inp.positive,
        ref_side=DriftSide(scores=R.scores, decisions=R.decisions),
        cur_side=DriftSide(scores=None if L.scores is None else L.scores[rows], decisions=L.decisions[rows]),
    )
    res = measure_drift(di, plan.drift)
    statuses = {f.name: f.status for f in res.features}
    # the distance that decides each feature's drift, for the time-series chart (W/sd numeric, JS categorical)
    distances = {f.name: d for f in res.features if (d := f.wasserstein_normed if f.kind == "numeric" else f.js) is not None}
    if res.predictions is not None:
        statuses["(predictions)"] = res.predictions.status
        sc = res.predictions.scores
        if sc is not None and sc.wasserstein_normed is not None:
            distances["(scores)"] = sc.wasserstein_normed
    enough = rows.size >= plan.drift.min_sample
    return tuple(a.message for a in res.alerts), statuses, distances, enough


def _shift_check(
    name: str, group: str | None, est: Estimate | None, thr: float, n: int, minimum: int, what: str, estimated: bool = False
) -> Check:
    """An alert when `est` (window minus reference) is below -thr (drops) or beyond +-thr (two-sided changes) with
    its interval excluding 0."""
    two_sided = name == "selection_rate_change"
    if est is None or est.value is None or n < minimum:
        return Check(
            check=name,
            group=group,
            status="insufficient_evidence",
            threshold=thr,
            estimated=estimated,
            message=f"{what}: {n:,} rows, fewer than {minimum} (or no reference value): insufficient evidence",
        )
    v = est.value
    beyond = abs(v) > thr if two_sided else v < -thr
    excludes = est.ci_low is None or est.ci_low > 0 or est.ci_high < 0  # no interval (estimated TPR): point only
    status = "alert" if beyond and excludes else "pass"
    ci = f" [{est.ci_low:+.3f}, {est.ci_high:+.3f}]" if est.ci_low is not None else ""
    return Check(
        check=name,
        group=group,
        status=status,
        value=v,
        threshold=thr,
        estimated=estimated,
        message=f"{what}: change {v:+.3f}{ci}{' (estimated)' if estimated else ''}, threshold {thr:g}",
    )


def _checks(
    inp: MonitorInputs,
    plan: MonitorPlan,
    w: WindowResult,
    ref: Reference,
    ref_expected: float | None,
    drift: tuple[tuple[str, ...], bool],
) -> list[Check]:
    out: list[Check] = []
    if w.n < plan.min_window:
        return [
            Check(
                check=c,
                status="insufficient_evidence",
                message=f"{w.n:,} rows in the window, fewer than the plan's min_window {plan.min_window}: insufficient evidence",
            )
            for c in plan.checks
        ]
    for c in plan.checks:
        if c == "selection_rate_change":
            out += [
                _shift_check(
                    c,
                    f"{g.column}={g.group}",
                    g.change,
                    plan.selection_rate_change,
                    g.n,
                    plan.min_group,
                    f"{g.column}={g.group} selection rate",
                )
                for g in w.groups
            ]
        elif c == "selection_ratio":
            for g in w.groups:
                r, label = g.ratio_to_top, f"{g.column}={g.group}"
                if r is None:
                    continue  # the most selected group itself
                if g.n < plan.min_group or r.value is None:
                    out.append(
                        Check(
                            check=c,
                            group=label,
                            status="insufficient_evidence",
                            threshold=plan.selection_ratio,
                            message=f"{label}: {g.n:,} rows, fewer than {plan.min_group}: insufficient evidence",
                        )
                    )
                    continue
                bad = r.ci_high < plan.selection_ratio
                out.append(
                    Check(
                        check=c,
                        group=label,
                        status="alert" if bad else "pass",
                        value=r.value,
                        threshold=plan.selection_ratio,
                        message=f"{label}: {r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}] of the most "
                        f"selected group's rate, threshold {plan.selection_ratio:g}",
                    )
                )
        elif c in ("accuracy_drop", "tpr_drop"):
            m = c.split("_")[0]
            thr = getattr(plan, c)
            perf, ref_v = w.performance, getattr(ref, m)
            if perf is not None and perf.n >= plan.min_window and ref_v is not None:
                e = getattr(perf, m)
                shifted = (
                    None if e is None else Estimate(value=e.value - ref_v, ci_low=e.ci_low - ref_v, ci_high=e.ci_high - ref_v)
                )
                out.append(
                    _shift_check(
                        c, None, shifted, thr, perf.n, plan.min_window, f"realised {m} against the reference's {ref_v:.3f}"
                    )
                )
            elif w.estimated is not None and w.estimated.accuracy is not None and ref_expected is not None:
                # Estimated against the reference's *expected* value, so a miscalibration both share cancels.
                if m == "accuracy":
                    a = w.estimated.accuracy
                    shifted = Estimate(
                        value=a.value - ref_expected, ci_low=a.ci_low - ref_expected, ci_high=a.ci_high - ref_expected
                    )
                    what = f"estimated accuracy against the reference's expected {ref_expected:.3f}"
                else:
                    ref_tpr = cbpe.estimate(inp.ref.scores, inp.ref.decisions, intervals.z_two_sided(plan.ci_level)).tpr
                    v = None if (w.estimated.tpr is None or ref_tpr is None) else w.estimated.tpr - ref_tpr
                    shifted = None if v is None else Estimate(value=v)  # no interval: the threshold alone decides
                    what = f"estimated TPR against the reference's expected {ref_tpr or 0:.3f}"
                out.append(_shift_check(c, None, shifted, thr, w.n, plan.min_window, what, estimated=True))
            else:
                out.append(
                    Check(
                        check=c,
                        status="insufficient_evidence",
                        threshold=thr,
                        message=f"{m}: no outcomes in the window (or the reference) and no scores to "
                        "estimate it from: insufficient evidence",
                    )
                )
        elif c == "group_drift":
            out.append(group_drift_check(w.group_drift, plan.drift))
        elif c == "drift":
            alerts, enough = drift
            status = "alert" if alerts else ("pass" if enough else "insufficient_evidence")
            out.append(
                Check(
                    check=c,
                    status=status,
                    value=float(len(alerts)),
                    message="; ".join(alerts[:3]) + (" ..." if len(alerts) > 3 else "")
                    if alerts
                    else (
                        "no drift beyond the plan's thresholds"
                        if enough
                        else f"fewer than {plan.drift.min_sample} rows for drift: insufficient evidence"
                    ),
                )
            )
    return out


def window_result(
    inp: MonitorInputs,
    plan: MonitorPlan,
    win: Window,
    ref: Reference,
    ref_expected: float | None,
    z: float,
    levels: Sequence[GroupLevel] = (),
) -> WindowResult:
    rows = win.rows
    L = inp.log
    d = L.decisions[rows]
    base = dict(index=win.index, start=win.start, end=win.end, n=int(rows.size))
    if rows.size == 0:
        return WindowResult(
            **base,
            n_with_outcome=0,
            status="insufficient_evidence",
            checks=tuple(Check(check=c, status="insufficient_evidence", message="no rows in this window") for c in plan.checks),
        )
    y = L.outcomes[rows] if L.outcomes is not None else np.full(rows.size, np.nan)
    known = ~np.isnan(y)
    s = L.scores[rows] if L.scores is not None else None
    perf = _performance(y[known], d[known], None if s is None else s[known], z, plan.ci_level) if known.any() else None
    est = check = None
    if s is not None:
        est = cbpe.estimate(s, d, z)
        if known.any():
            check = cbpe.compare_realised(cbpe.estimate(s[known], d[known], z), y[known], d[known])
    drift_alerts, statuses, distances, enough = ((), {}, {}, False)
    if "drift" in plan.checks:
        drift_alerts, statuses, distances, enough = _drift(inp, rows, plan)
    group_drift = window_group_drift(inp, levels, rows, plan.drift) if "group_drift" in plan.checks else ()
    w = WindowResult(
        **base,
        n_with_outcome=int(known.sum()),
        selection_rate=_est(float(d.sum()), float(d.size), z),
        groups=tuple(_groups(inp, rows, z)),
        performance=perf,
        estimated=est,
        estimate_check=check,
        drift_alerts=drift_alerts,
        drift_features=statuses,
        drift_distances=distances,
        group_drift=group_drift,
        status="pass",
    )
    checks = _checks(inp, plan, w, ref, ref_expected, (drift_alerts, enough))
    status = (
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
    calibration, ref_expected = None, None
    if R.scores is not None:
        known = ~np.isnan(R.outcomes) if R.outcomes is not None else np.zeros(R.scores.size, bool)
        calibration = cbpe.calibration(
            R.scores[known], R.outcomes[known] if known.any() else np.zeros(0), R.decisions[known], plan.calibration_gap, z
        )
        ref_expected = cbpe.estimate(R.scores, R.decisions, z).accuracy.value if R.scores.size else None
    levels = group_levels(inp) if "group_drift" in plan.checks else []
    windows = [window_result(inp, plan, w, ref, ref_expected, z, levels) for w in cut(inp.times, spec, inp.utc)]
    alerts = tuple(
        f"window {w.index} ({w.start} .. {w.end}): {c.check}: {c.message}"
        for w in windows
        for c in w.checks
        if c.status == "alert"
    )
    status = (
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
        calibration=calibration,
        windows=tuple(windows),
        alerts=alerts,
        status=status,
        methods=METHODS,
        notes=tuple(inp.notes),
    )
    return result.model_copy(update={"summary": tuple(summarise(result))})
