"""The plan's checks on one window of a monitoring run (audit/lifecycle/plan.py `[monitor]`): each pass, alert or
insufficient evidence. A shift alerts when it is beyond the plan's threshold AND its interval excludes no change."""

from __future__ import annotations

from audit.lifecycle.drift_types import Status
from audit.lifecycle.monitor_groups import group_drift_check
from audit.lifecycle.monitor_types import Check, Reference, WindowResult
from audit.lifecycle.plan import MonitorPlan
from audit.result import Estimate


def _minus(e: Estimate, ref: float) -> Estimate:
    """`e` shifted by the reference's value: the change and its interval."""
    return Estimate(
        value=None if e.value is None else e.value - ref,
        ci_low=None if e.ci_low is None else e.ci_low - ref,
        ci_high=None if e.ci_high is None else e.ci_high - ref,
    )


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
    # no interval (estimated TPR): the point alone decides
    excludes = est.ci_low is None or est.ci_high is None or est.ci_low > 0 or est.ci_high < 0
    status: Status = "alert" if beyond and excludes else "pass"
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


def window_checks(
    ref_tpr: float | None,
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
                bad = r.ci_high is not None and r.ci_high < plan.selection_ratio
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
                shifted = None if e is None else _minus(e, ref_v)
                out.append(
                    _shift_check(
                        c, None, shifted, thr, perf.n, plan.min_window, f"realised {m} against the reference's {ref_v:.3f}"
                    )
                )
            elif w.estimated is not None and w.estimated.accuracy is not None and ref_expected is not None:
                # Estimated against the reference's *expected* value, so a miscalibration both share cancels.
                if m == "accuracy":
                    shifted = _minus(w.estimated.accuracy, ref_expected)
                    what = f"estimated accuracy against the reference's expected {ref_expected:.3f}"
                else:
                    # ref_tpr: the reference's expected TPR from its scores (None without scores)
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
            status: Status = "alert" if alerts else ("pass" if enough else "insufficient_evidence")
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
