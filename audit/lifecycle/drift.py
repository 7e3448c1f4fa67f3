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
from audit.lifecycle.drift_types import Alert, Category, DriftResult, FeatureDrift, GroupDrift, PredictionDrift, Status
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


def _predictions(
    inp: DriftInputs, plan: DriftPlan, ref_rows: np.ndarray | None = None, cur_rows: np.ndarray | None = None
) -> tuple[dict[str, Any], Found]:
    """Score drift and the decision-rate change, on all rows or on the given row masks."""
    rs, cs = inp.ref_side, inp.cur_side
    scores = None
    if rs.scores is not None and cs.scores is not None:  # both sides have scores or neither (drift_inputs)
        a, b = _pick(rs.scores, ref_rows), _pick(cs.scores, cur_rows)
        scores = (D.from_series(pd.Series(a), "numeric"), D.from_series(pd.Series(b), "numeric"))
    decisions = None
    if rs.decisions is not None and cs.decisions is not None:
        a, b = _pick(rs.decisions, ref_rows), _pick(cs.decisions, cur_rows)
        decisions = (int(a.sum()), int(a.size), int(b.sum()), int(b.size))
    return predictions_drift(scores, decisions, plan)


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
        n_ref, n_cur = (decisions[1], decisions[3]) if decisions is not None else (scores[0].rows, scores[1].rows)  # type: ignore[index]
        small = min(n_ref, n_cur) < plan.min_sample
        statuses["(predictions)"] = "alert" if found else ("insufficient_evidence" if small else "pass")
        alerts += _alerts("predictions", "predictions", None, found)
        sc = pred.get("scores")
        if sc is not None and sc.wasserstein_normed is not None:
            distances["(scores)"] = sc.wasserstein_normed
    return tuple(a.message for a in alerts), statuses, distances


def _groups(inp: DriftInputs, plan: DriftPlan) -> tuple[list[GroupDrift], list[Alert]]:
    out, alerts = [], []
    for col in inp.sensitive:
        ref, cur = inp.reference[col], inp.current[col]
        rv, cv = ref.astype(str).where(ref.notna()), cur.astype(str).where(cur.notna())
        values = list(rv.dropna().value_counts().index)
        known = set(values)
        values += [v for v in cv.dropna().unique() if v not in known]
        for g in values:
            rm, cm = (rv == g).to_numpy(), (cv == g).to_numpy()
            nr, nc = int(rm.sum()), int(cm.sum())
            found: Found = []
            share = _change(nc, len(cur), nr, len(ref))
            if min(len(ref), len(cur)) >= plan.min_sample and abs(_v(share)) > plan.group_share_change:
                found.append(
                    (
                        "group_share_change",
                        abs(_v(share)),
                        plan.group_share_change,
                        f"share of rows {nr / len(ref):.1%} -> {nc / len(cur):.1%}",
                    )
                )
            pred, pf = _predictions(inp, plan, rm, cm) if nr and nc else ({}, [])
            found += pf
            feats = []
            for f in inp.features:
                fd, ff = feature_drift(f, inp.kinds[f], inp.reference[f][rm], inp.current[f][cm], plan)
                feats.append(fd.model_copy(update={"categories": (), "bin_reference": (), "bin_current": (), "bin_cuts": ()}))
                found += [(s, v, t, f"{f}: {m}") for s, v, t, m in ff]
            reasons = [x[3] for x in found]
            small = min(nr, nc) < plan.min_sample
            if small:
                reasons.append(
                    f"{nr:,} reference and {nc:,} current rows: fewer than {plan.min_sample} in one file, "
                    "so its distributions are insufficient evidence"
                )
            sc = pred.get("scores")
            out.append(
                GroupDrift(
                    column=col,
                    group=g,
                    n_reference=nr,
                    n_current=nc,
                    share_reference=nr / len(ref),
                    share_current=nc / len(cur),
                    share_change=share,
                    decision_rate_reference=pred.get("decision_rate_reference"),
                    decision_rate_current=pred.get("decision_rate_current"),
                    decision_rate_change=pred.get("decision_rate_change"),
                    score_wasserstein_normed=sc.wasserstein_normed if sc else None,
                    score_psi=sc.psi if sc else None,
                    score_ks_p=sc.ks_p if sc else None,
                    features_alerting=tuple(fd.name for fd in feats if fd.status == "alert"),
                    features=tuple(feats),
                    status="alert" if found else ("insufficient_evidence" if small else "pass"),
                    reasons=tuple(reasons),
                )
            )
            alerts += _alerts("group", col, f"{col}={g}", found)
    return out, alerts


def measure_drift(inp: DriftInputs, plan: DriftPlan) -> DriftResult:
    from audit.lifecycle.drift_summary import summarise

    features, alerts = [], []
    for f in inp.features:
        fd, found = feature_drift(f, inp.kinds[f], inp.reference[f], inp.current[f], plan)
        features.append(fd)
        alerts += _alerts("feature", f, None, found)
    shares = []
    for col in inp.sensitive:
        fd, found = feature_drift(col, "categorical", inp.reference[col], inp.current[col], plan)
        shares.append(fd)
        alerts += _alerts("group_shares", col, None, found)
    predictions = None
    if inp.ref_side.scores is not None or inp.ref_side.decisions is not None:
        pred, found = _predictions(inp, plan)
        small = min(len(inp.reference), len(inp.current)) < plan.min_sample
        predictions = PredictionDrift(
            source=inp.source,
            positive=inp.positive,
            n_reference=len(inp.reference),
            n_current=len(inp.current),
            **pred,
            status="alert" if found else ("insufficient_evidence" if small else "pass"),
            reasons=tuple(x[3] for x in found),
        )
        alerts += _alerts("predictions", "predictions", None, found)
    groups, group_alerts = _groups(inp, plan)
    alerts += group_alerts
    result = DriftResult(
        reference=inp.reference_info,
        current=inp.current_info,
        plan=plan,
        features=tuple(features),
        predictions=predictions,
        group_shares=tuple(shares),
        groups=tuple(groups),
        alerts=tuple(alerts),
        methods=METHODS,
        notes=tuple(inp.notes),
    )
    return result.model_copy(update={"summary": tuple(summarise(result))})
