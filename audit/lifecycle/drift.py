"""Drift between a reference and a current dataset: per feature, in the model's scores and decisions, and per
demographic group, with thresholds from the monitoring plan (audit/lifecycle/plan.py).

Effect sizes decide (distances and rate changes against the plan's thresholds), p-values inform; a distribution
with fewer than `min_sample` non-missing values in either file is "insufficient evidence", never a pass."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from audit.lifecycle import dist as D
from audit.lifecycle import drift_stats as S
from audit.lifecycle.dist import Dist
from audit.lifecycle.drift_inputs import DriftInputs, Kind
from audit.lifecycle.drift_types import Alert, Category, DriftResult, FeatureDrift, Status
from audit.lifecycle.plan import DriftPlan
from audit.result import Estimate
from audit.stats import intervals

Z95 = intervals.z_two_sided(0.95)
Found = list[tuple[str, float, float, str]]
Scope = Literal[
    "feature", "predictions", "group", "group_shares"
]  # (statistic, value, threshold, message) of each threshold crossed

METHODS = {
    "wasserstein": "Wasserstein-1 distance of the empirical distributions; wasserstein_normed divides it by the "
    "reference's standard deviation (ddof 1)",
    "ks": "two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp); informs, does not decide",
    "psi": "population stability index on bins cut at the reference's quantiles (numeric) or over the categories; "
    "an empty bin's share is taken as 0.0001",
    "js": "Jensen-Shannon distance of the category shares, base 2 (0 = same, 1 = disjoint)",
    "chi2": "chi-squared test of homogeneity of the 2 x K category counts, no continuity correction; informs",
    "rate_change": "current minus reference rate with Newcombe's interval from the two Agresti-Coull intervals (95%)",
}


def _rate(x: float, n: float) -> Estimate:
    lo, hi = intervals.rate(x, n, Z95)
    return Estimate(value=float(x / n) if n else None, ci_low=float(lo), ci_high=float(hi))


def _v(e: Estimate) -> float:
    """The value of a rate change (`_change` always sets it)."""
    return 0.0 if e.value is None else e.value


def _change(x_cur: float, n_cur: float, x_ref: float, n_ref: float) -> Estimate:
    d, lo, hi = intervals.difference(x_cur, n_cur, x_ref, n_ref, Z95)
    return Estimate(value=float(d), ci_low=float(lo), ci_high=float(hi))


def _dist(x: pd.Series | Dist, kind: Kind) -> Dist:
    return x if isinstance(x, Dist) else D.from_series(x, kind)


def _numeric(r: Dist, c: Dist, plan: DriftPlan) -> tuple[dict[str, Any], Found]:
    num = D.numeric_stats(r, c)
    mean_r, sd = D.mean_sd(r)
    mean_c = D.mean_sd(c)[0]
    w = num.wasserstein
    normed = w / sd if sd > 0 else (0.0 if w == 0 else None)
    cuts = D.quantile_cuts(r, plan.bins)
    br, bc = D.bin_shares(r, cuts), D.bin_shares(c, cuts)
    psi = S.psi(br, bc)
    out = dict(
        wasserstein=w,
        wasserstein_normed=normed,
        ks_statistic=num.ks_statistic,
        ks_p=num.ks_p,
        psi=psi,
        mean_reference=mean_r,
        mean_current=mean_c,
        bin_cuts=tuple(map(float, cuts)),
        bin_reference=tuple(map(float, br)),
        bin_current=tuple(map(float, bc)),
    )
    if r.binned or c.binned:
        out |= dict(wasserstein_bound=num.wasserstein_bound, ks_bound=num.ks_bound)
    found: Found = []
    if normed is not None and normed > plan.wasserstein_normed:
        found.append(
            (
                "wasserstein_normed",
                normed,
                plan.wasserstein_normed,
                f"moved by {normed:.3f} reference standard deviations (mean {mean_r:.4g} -> {mean_c:.4g})",
            )
        )
    if psi > plan.psi:
        found.append(("psi", psi, plan.psi, f"PSI {psi:.3f} on the reference's {cuts.size + 1} quantile bins"))
    return out, found


def _categorical(r: Dist, c: Dist, plan: DriftPlan) -> tuple[dict[str, Any], Found]:
    cats, ref_n, cur_n = D.categories(r, c)
    pr, pc = ref_n / ref_n.sum(), cur_n / cur_n.sum()
    js, psi = S.js_distance(pr, pc), S.psi(pr, pc)
    new = [v for v, a in zip(cats, ref_n, strict=True) if a == 0]
    new_share = float(cur_n[ref_n == 0].sum() / cur_n.sum())
    out = dict(
        js=js,
        chi2_p=S.chi2_p(ref_n, cur_n),
        psi=psi,
        bin_reference=tuple(map(float, pr)),
        bin_current=tuple(map(float, pc)),
        categories=tuple(Category(value=v, reference=int(a), current=int(b)) for v, a, b in zip(cats, ref_n, cur_n, strict=True)),
        new_categories=tuple(new),
        new_category_share=new_share,
        vanished_categories=tuple(v for v, b in zip(cats, cur_n, strict=True) if b == 0),
    )
    found: Found = []
    if js > plan.js:
        found.append(("js", js, plan.js, f"Jensen-Shannon distance {js:.3f} between the category shares"))
    if psi > plan.psi:
        found.append(("psi", psi, plan.psi, f"PSI {psi:.3f} over {len(cats)} categories"))
    if new_share > plan.new_category_share:
        found.append(
            (
                "new_category_share",
                new_share,
                plan.new_category_share,
                f"{new_share:.1%} of the current rows have values the reference never had "
                f"({', '.join(new[:5])}{' ...' if len(new) > 5 else ''})",
            )
        )
    return out, found


def feature_drift(
    name: str, kind: Kind, ref: pd.Series | Dist, cur: pd.Series | Dist, plan: DriftPlan
) -> tuple[FeatureDrift, Found]:
    """One column compared (its values, or their distributions: audit/lifecycle/dist.py); returns the finding and
    the thresholds it crossed."""
    r, c = _dist(ref, kind), _dist(cur, kind)
    nr, nc, rows_r, rows_c = r.n, c.n, r.rows, c.rows
    miss_r, miss_c = r.missing, c.missing
    found: Found = []
    m_change = _change(miss_c, rows_c, miss_r, rows_r)
    enough_rows = min(rows_r, rows_c) >= plan.min_sample
    if enough_rows and abs(_v(m_change)) > plan.missing_rate_change:
        found.append(
            (
                "missing_rate_change",
                abs(_v(m_change)),
                plan.missing_rate_change,
                f"missing values {miss_r / rows_r:.1%} -> {miss_c / rows_c:.1%}",
            )
        )
    stats: dict[str, Any] = {}
    reasons: list[str] = []
    if nr == 0 or nc == 0:
        reasons.append("no values in the current file" if nc == 0 else "no values in the reference file")
    else:
        stats, more = _numeric(r, c, plan) if kind == "numeric" else _categorical(r, c, plan)
        if min(nr, nc) >= plan.min_sample:
            found += more
        else:
            reasons.append(
                f"fewer than {plan.min_sample} values to compare (reference {nr:,}, current {nc:,}): insufficient evidence"
            )
    status: Status = "alert" if found else ("insufficient_evidence" if reasons else "pass")
    feature = FeatureDrift(
        name=name,
        kind=kind,
        n_reference=nr,
        n_current=nc,
        missing_reference=miss_r / max(rows_r, 1),
        missing_current=miss_c / max(rows_c, 1),
        missing_change=m_change,
        status=status,
        reasons=tuple(reasons + [f[3] for f in found]),
        **stats,
    )
    return feature, found


def _alerts(scope: Scope, name: str, group: str | None, found: Found) -> list[Alert]:
    where = group or name
    return [
        Alert(
            scope=scope,
            name=name,
            group=group,
            statistic=s,
            value=float(v),
            threshold=t,
            message=f"{where}: {msg} (threshold {t:g})",
        )
        for s, v, t, msg in found
    ]


def _pick(x: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return x if rows is None else x[rows]


def predictions_drift(
    scores: tuple[Dist, Dist] | None, decisions: tuple[int, int, int, int] | None, plan: DriftPlan
) -> tuple[dict[str, Any], Found]:
    """Score drift (the scores' distributions, reference and current) and the decision-rate change (selected and
    rows, reference then current)."""
    out: dict[str, Any] = {}
    found: Found = []
    if scores is not None:
        fd, f = feature_drift("scores", "numeric", scores[0], scores[1], plan)
        out["scores"] = fd
        found += [(st, v, t, f"scores {m}") for st, v, t, m in f if st != "missing_rate_change"]
    if decisions is not None:
        xa, na, xb, nb = decisions
        if na and nb:
            out["decision_rate_reference"] = _rate(xa, na)
            out["decision_rate_current"] = _rate(xb, nb)
            ch = _change(xb, nb, xa, na)
            out["decision_rate_change"] = ch
            if min(na, nb) >= plan.min_sample and abs(_v(ch)) > plan.decision_rate_change:
                found.append(
                    (
                        "decision_rate_change",
                        abs(_v(ch)),
                        plan.decision_rate_change,
                        f"decision rate {xa / na:.3f} -> {xb / nb:.3f} (change {ch.value:+.3f} "
                        f"[{ch.ci_low:+.3f}, {ch.ci_high:+.3f}])",
                    )
                )
    return out, found


def window_drift(
    named: list[tuple[str, Kind, Dist, Dist]],
    scores: tuple[Dist, Dist] | None,
    decisions: tuple[int, int, int, int] | None,
    plan: DriftPlan,
) -> tuple[tuple[str, ...], dict[str, Status], dict[str, float]]:
    """A monitoring window against the reference, as `measure_drift` without groups: the alerts' messages, each
    feature's status ("(predictions)" too) and the distance that decides its drift (W/sd numeric, JS categorical)."""
    alerts: list[Alert] = []
    statuses: dict[str, Status] = {}
    distances: dict[str, float] = {}
    for name, kind, a, b in named:
        fd, found = feature_drift(name, kind, a, b, plan)
        alerts += _alerts("feature", name, None, found)
        statuses[name] = fd.status
        if (d := fd.wasserstein_normed if kind == "numeric" else fd.js) is not None:
            distances[name] = d
    if scores is not None or decisions is not None:
        pred, found = predictions_drift(scores, decisions, plan)
        if decisions is not None:
            n_ref, n_cur = decisions[1], decisions[3]
        else:
            assert scores is not None  # one of the two, checked above
            n_ref, n_cur = scores[0].rows, scores[1].rows
        small = min(n_ref, n_cur) < plan.min_sample
        statuses["(predictions)"] = "alert" if found else ("insufficient_evidence" if small else "pass")
        alerts += _alerts("predictions", "predictions", None, found)
        sc = pred.get("scores")
        if sc is not None and sc.wasserstein_normed is not None:
            distances["(scores)"] = sc.wasserstein_normed
    return tuple(a.message for a in alerts), statuses, distances


def measure_drift(inp: DriftInputs, plan: DriftPlan) -> DriftResult:
    """`attest drift` in memory: the files' rows as distributions (audit/lifecycle/drift_result.py)."""
    from audit.lifecycle.drift_result import MemorySource, drift_result

    return drift_result(MemorySource(inp), plan, inp.reference_info, inp.current_info, inp.source, inp.positive, inp.notes)
