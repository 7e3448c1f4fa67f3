"""Drift inside each monitoring window, per demographic group and intersection of groups: the audit's groups (every
sensitive column, and every combination of up to `max_order` of them, missing values as the visible "(missing)"
group, as in audit/groups.py), each compared with the same group's rows in the reference.

A group with fewer than the plan's `[drift] min_sample` rows in the window or in the reference is "insufficient
evidence", as in the audit: its distributions are not compared at all, so a small group never raises an alert on
sampling noise (PSI over ten bins is about 0.6 from noise alone at 30 rows a side, see audit/lifecycle/plan.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.lifecycle.dist import Dist, from_series
from audit.lifecycle.drift import feature_drift
from audit.lifecycle.drift_inputs import Kind
from audit.lifecycle.monitor_inputs import MonitorInputs
from audit.lifecycle.monitor_types import Check, GroupFeature, WindowGroupDrift
from audit.lifecycle.plan import DriftPlan
from audit.stats.cells import MISSING


@dataclass(frozen=True)
class GroupLevel:
    """One way of grouping (a sensitive column or an intersection) with each row's group label on both sides."""

    columns: tuple[str, ...]
    reference: npt.NDArray[np.object_]
    log: npt.NDArray[np.object_]


def _labels(frame: pd.DataFrame, columns: tuple[str, ...]) -> npt.NDArray[np.object_]:
    parts = [frame[c].astype(str).where(frame[c].notna(), MISSING).to_numpy(dtype=object) for c in columns]
    out = np.array([f"{columns[0]}={v}" for v in parts[0]], dtype=object)
    for c, p in zip(columns[1:], parts[1:], strict=True):
        out = out + np.array([f" & {c}={v}" for v in p], dtype=object)
    return out


def group_levels(inp: MonitorInputs) -> list[GroupLevel]:
    """The levels, computed once for the whole log (the windows only select rows)."""
    cols = tuple(inp.sensitive)
    top = len(cols) if inp.max_order is None else min(inp.max_order, len(cols))
    return [
        GroupLevel(combo, _labels(inp.ref.frame, combo), _labels(inp.log.frame, combo))
        for order in range(1, top + 1)
        for combo in combinations(cols, order)
    ]


def group_order(reference: npt.NDArray[np.object_], current: npt.NDArray[np.object_]) -> list[str]:
    """The reference's groups, then those only in the window, each sorted: an order both engines can give."""
    ref = sorted(map(str, pd.unique(reference)))
    known = set(ref)
    return ref + sorted(g for g in map(str, pd.unique(current)) if g not in known)


Named = list[tuple[str, Kind, Dist, Dist]]


def compare_group(columns: tuple[str, ...], label: str, nr: int, nc: int, named: Named, plan: DriftPlan) -> WindowGroupDrift:
    """One group of a window against the same group's reference rows: each feature's (and the scores')
    distribution on both sides, in memory or out of core."""
    small = WindowGroupDrift(
        columns=columns,
        group=label,
        n_reference=nr,
        n_current=nc,
        status="insufficient_evidence",
        reasons=(f"{nr:,} reference and {nc:,} window rows: fewer than {plan.min_sample} in one, insufficient evidence",),
    )
    if min(nr, nc) < plan.min_sample:
        return small
    feats: list[GroupFeature] = []
    reasons: list[str] = []
    for name, kind, a, b in named:
        fd, found = feature_drift(name, kind, a, b, plan)
        feats.append(
            GroupFeature(
                name=name,
                kind=fd.kind,
                n_reference=fd.n_reference,
                n_current=fd.n_current,
                wasserstein=fd.wasserstein,
                wasserstein_normed=fd.wasserstein_normed,
                ks_p=fd.ks_p,
                wasserstein_bound=fd.wasserstein_bound,
                ks_bound=fd.ks_bound,
                psi=fd.psi,
                js=fd.js,
                chi2_p=fd.chi2_p,
                status=fd.status,
            )
        )
        reasons += [f"{name}: {msg} (threshold {thr:g})" for _, _, thr, msg in found]
    return small.model_copy(
        update={
            "features": tuple(feats),
            "features_alerting": tuple(f.name for f in feats if f.status == "alert"),
            "status": "alert" if reasons else "pass",
            "reasons": tuple(reasons),
        }
    )


def _one(
    inp: MonitorInputs,
    columns: tuple[str, ...],
    label: str,
    ref_rows: npt.NDArray[np.intp],
    rows: npt.NDArray[np.intp],
    plan: DriftPlan,
) -> WindowGroupDrift:
    nr, nc = int(ref_rows.size), int(rows.size)
    named: Named = []
    if min(nr, nc) >= plan.min_sample:
        R, L = inp.ref, inp.log
        # numpy slices of each column, not DataFrame.iloc: this runs for every group of every window
        named = [
            (
                f,
                inp.kinds[f],
                from_series(pd.Series(R.frame[f].to_numpy()[ref_rows]), inp.kinds[f]),
                from_series(pd.Series(L.frame[f].to_numpy()[rows]), inp.kinds[f]),
            )
            for f in inp.features
        ]
        if R.scores is not None and L.scores is not None:
            named.append(
                (
                    "(scores)",
                    "numeric",
                    from_series(pd.Series(R.scores[ref_rows]), "numeric"),
                    from_series(pd.Series(L.scores[rows]), "numeric"),
                )
            )
    return compare_group(columns, label, nr, nc, named, plan)


def window_group_drift(
    inp: MonitorInputs, levels: Sequence[GroupLevel], rows: npt.NDArray[np.intp], plan: DriftPlan
) -> tuple[WindowGroupDrift, ...]:
    """Every group of every level present in the reference or the window, reference groups first (group_order)."""
    out: list[WindowGroupDrift] = []
    for lv in levels:
        window_labels = lv.log[rows]
        for g in group_order(lv.reference, window_labels):
            out.append(_one(inp, lv.columns, g, np.flatnonzero(lv.reference == g), rows[window_labels == g], plan))
    return tuple(out)


def group_drift_check(groups: tuple[WindowGroupDrift, ...], plan: DriftPlan) -> Check:
    """Alert when any group of the window drifts; pass when at least one group could be compared and none drifts."""
    alerting = [g for g in groups if g.status == "alert"]
    compared = [g for g in groups if g.status != "insufficient_evidence"]
    if alerting:
        shown = "; ".join(f"{g.group}: {', '.join(g.features_alerting)}" for g in alerting[:3])
        return Check(
            check="group_drift",
            status="alert",
            value=float(len(alerting)),
            message=f"drift within {len(alerting)} group(s): {shown}{' ...' if len(alerting) > 3 else ''}",
        )
    if compared:
        return Check(
            check="group_drift",
            status="pass",
            value=0.0,
            message=f"no drift within the {len(compared)} group(s) with at least {plan.min_sample} rows on both sides",
        )
    return Check(
        check="group_drift",
        status="insufficient_evidence",
        message=f"no group has {plan.min_sample} rows in both the window and the reference: insufficient evidence",
    )
