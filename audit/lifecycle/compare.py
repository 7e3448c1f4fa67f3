"""Compare two audit results: every group metric and disparity before and after, with an interval for the change.

Intervals for the change treat the two runs as independent samples, using the audit's own methods
(audit/stats/intervals.py):
- a rate (selection rate, TPR, ...) of one group in run A and in run B: after - before with the MOVER interval from
  the two Agresti-Coull intervals, Newcombe's construction for two independent proportions, computed from the
  groups' confusion counts; after / before with MOVER-R;
- a disparity (a group's ratio or difference against its comparator): each run's own MOVER-R / MOVER interval from
  the counts, and their change by MOVER again (Zou & Donner 2008: any two independent estimates with intervals);
- F1, AUC, Brier score and calibration error, which have no closed-form count interval: MOVER from the intervals the
  runs recorded (rescaled by the normal quantiles when a run used another confidence level).
Two runs on the same data file are paired, not independent: then the intervals are conservative (too wide) for
decisions that agree on most rows, and the comparison says so.
"""

from __future__ import annotations

from typing import SupportsFloat

import numpy as np

from audit.lifecycle.compare_inputs import input_changes
from audit.lifecycle.compare_summary import summarise
from audit.lifecycle.compare_types import Change, Comparison, GroupPresence, RunInfo, VerdictChange
from audit.result import AuditResult, Estimate, GroupResult, Verdict
from audit.stats import intervals
from audit.stats import metrics as M

GroupKey = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]

METHODS = {
    "rate_change": "after - before: MOVER from the two runs' Agresti-Coull intervals, i.e. Newcombe's interval for two "
    "independent proportions (Newcombe 1998; Zou & Donner 2008), from the groups' confusion counts",
    "rate_ratio": "after / before: MOVER-R from the two Agresti-Coull intervals (Donner & Zou 2012)",
    "disparity_change": "each run's ratio (MOVER-R) or difference (MOVER) against its comparator from the counts, "
    "their change by MOVER for two independent estimates (Zou & Donner 2008)",
    "score_metric_change": "F1, AUC, Brier, calibration error: MOVER from the intervals each run recorded",
    "independence": "the runs are treated as independent samples; on the same rows (same data file) the intervals "
    "are conservative",
}


def key_of(level: tuple[str, ...], attributes: dict[str, str]) -> GroupKey:
    return tuple(level), tuple(sorted(attributes.items()))


def _groups(r: AuditResult) -> dict[GroupKey, GroupResult]:
    return {key_of(g.level, g.attributes): g for g in (r.overall, *r.groups)}


def _counts(g: GroupResult) -> np.ndarray:
    c = g.counts
    return np.array([c.tn, c.fp, c.fn, c.tp], dtype=np.int64)


def mover(
    a: np.ndarray, la: np.ndarray, ua: np.ndarray, b: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """b - a with the MOVER interval from the two estimates' intervals (independent estimates)."""
    with np.errstate(invalid="ignore"):
        d = b - a
        lo = d - np.sqrt((b - lb) ** 2 + (ua - a) ** 2)
        hi = d + np.sqrt((ub - b) ** 2 + (a - la) ** 2)
    return d, lo, hi


def _est(v: SupportsFloat, lo: SupportsFloat, hi: SupportsFloat) -> Estimate:
    return Estimate(value=float(v), ci_low=float(lo), ci_high=float(hi))


def _excludes_zero(e: Estimate) -> bool:
    return (e.ci_low is not None and e.ci_low > 0) or (e.ci_high is not None and e.ci_high < 0)


def _rescaled(e: Estimate, factor: float) -> tuple[float, float, float]:
    """An interval's arms scaled by z_new / z_old (a recorded interval at another level); NaN where absent."""
    v = np.nan if e.value is None else e.value
    lo = np.nan if e.ci_low is None else v - (v - e.ci_low) * factor
    hi = np.nan if e.ci_high is None else v + (e.ci_high - v) * factor
    return v, lo, hi


def _rate_changes(both: list[tuple[GroupResult, GroupResult]], z: float) -> list[Change]:
    if not both:
        return []
    ca = np.stack([_counts(a) for a, _ in both])
    cb = np.stack([_counts(b) for _, b in both])
    out: list[Change] = []
    for metric in M.RATE_METRICS:
        xa, na = M.parts(ca, metric)
        xb, nb = M.parts(cb, metric)
        la, ua = intervals.rate(xa, na, z)
        lb, ub = intervals.rate(xb, nb, z)
        d, dlo, dhi = intervals.difference(xb, nb, xa, na, z)
        r, rlo, rhi = intervals.ratio(xb, nb, xa, na, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            pa, pb = xa / na, xb / nb
        for i, (ga, _gb) in enumerate(both):
            if na[i] == 0 and nb[i] == 0:
                continue  # undefined in both runs (e.g. TPR of a group with no positives)
            diff = _est(d[i], dlo[i], dhi[i])
            out.append(
                Change(
                    kind="group",
                    level=ga.level,
                    group=ga.attributes,
                    metric=metric,
                    n_before=int(na[i]),
                    n_after=int(nb[i]),
                    before=_est(pa[i], la[i], ua[i]),
                    after=_est(pb[i], lb[i], ub[i]),
                    difference=diff,
                    ratio=_est(r[i], rlo[i], rhi[i]),
                    method="newcombe",
                    significant=_excludes_zero(diff),
                )
            )
    return out


def _other_changes(both: list[tuple[GroupResult, GroupResult]], z: float, za: float, zb: float) -> list[Change]:
    out: list[Change] = []
    for ga, gb in both:
        for metric in (m for m in ga.metrics if m not in M.RATE_METRICS and m in gb.metrics):
            a, la, ua = _rescaled(ga.metrics[metric], z / za)
            b, lb, ub = _rescaled(gb.metrics[metric], z / zb)
            if np.isnan(a) and np.isnan(b):
                continue
            d, lo, hi = mover(*(np.asarray(x, dtype=np.float64) for x in (a, la, ua, b, lb, ub)))
            diff = _est(d, lo, hi)
            out.append(
                Change(
                    kind="group",
                    level=ga.level,
                    group=ga.attributes,
                    metric=metric,
                    n_before=ga.n,
                    n_after=gb.n,
                    before=_est(a, la, ua),
                    after=_est(b, lb, ub),
                    difference=diff,
                    method="mover_recorded",
                    significant=_excludes_zero(diff),
                )
            )
    return out


def _disparity_changes(a: AuditResult, b: AuditResult, z: float) -> list[Change]:
    ga, gb = _groups(a), _groups(b)
    da = {(d.level, d.metric, key_of(d.level, d.group), d.against): d for d in a.disparities}
    out: list[Change] = []
    for d_b in b.disparities:
        k = (d_b.level, d_b.metric, key_of(d_b.level, d_b.group), d_b.against)
        d_a = da.get(k)
        if d_a is None:
            continue
        sides: list[
            tuple[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], int]
        ] = []  # (ratio and difference, n) of each run
        for d, groups in ((d_a, ga), (d_b, gb)):
            g, c = groups.get(key_of(d.level, d.group)), groups.get(key_of(d.level, d.reference))
            if g is None or c is None:
                break
            x, n = M.parts(_counts(g), d.metric)
            xc, nc = M.parts(_counts(c), d.metric)
            sides.append(
                ({"ratio": intervals.ratio(x, n, xc, nc, z), "difference": intervals.difference(x, n, xc, nc, z)}, int(n))
            )
        if len(sides) < 2:
            continue
        for compare in ("ratio", "difference"):
            (pa, la, ua), (pb, lb, ub) = sides[0][0][compare], sides[1][0][compare]
            if np.isnan(pa) and np.isnan(pb):
                continue
            diff = _est(*mover(*(np.asarray(x, dtype=np.float64) for x in (pa, la, ua, pb, lb, ub))))
            out.append(
                Change(
                    kind="disparity",
                    level=d_b.level,
                    group=d_b.group,
                    metric=f"{d_b.metric}_{compare}",
                    comparator=d_b.reference,
                    against=d_b.against,
                    comparator_changed=d_a.reference != d_b.reference,
                    n_before=sides[0][1],
                    n_after=sides[1][1],
                    before=_est(pa, la, ua),
                    after=_est(pb, lb, ub),
                    difference=diff,
                    method="mover",
                    significant=_excludes_zero(diff),
                )
            )
    return out


def _verdict_changes(a: AuditResult, b: AuditResult) -> list[VerdictChange]:
    def by_key(r: AuditResult) -> dict[tuple[str, GroupKey], Verdict]:
        return {(v.check, key_of(v.level, v.group)): v for v in r.verdicts}

    va, vb = by_key(a), by_key(b)
    out = []
    for k in list(va) + [k for k in vb if k not in va]:
        x, y = va.get(k), vb.get(k)
        before, after = (x.status if x else "absent"), (y.status if y else "absent")
        if before == after:
            continue
        v = y if y is not None else x
        if v is None:
            continue  # not reached: k is a key of one of the two runs
        out.append(
            VerdictChange(
                check=v.check,
                level=v.level,
                group=v.group,
                before=before,
                after=after,
                rule=v.rule,
                statistic_before=x.statistic if x else None,
                statistic_after=y.statistic if y else None,
                comparator_before=x.comparator if x else None,
                comparator_after=y.comparator if y else None,
            )
        )
    return out


def compare_results(
    a: AuditResult, b: AuditResult, info_a: RunInfo, info_b: RunInfo, ci_level: float | None = None
) -> Comparison:
    """Run A (before) against run B (after). `ci_level`: the level of every interval of a change; default the runs'
    own level when they share one, else 0.95."""
    notes: list[str] = []
    if ci_level is None:
        ci_level = a.spec.ci_level if a.spec.ci_level == b.spec.ci_level else 0.95
        if a.spec.ci_level != b.spec.ci_level:
            notes.append(
                f"The runs used different confidence levels ({a.spec.ci_level:g} and {b.spec.ci_level:g}); "
                f"the changes are shown at {ci_level:g}."
            )
    z = intervals.z_two_sided(ci_level)
    za, zb = intervals.z_two_sided(a.spec.ci_level), intervals.z_two_sided(b.spec.ci_level)
    ga, gb = _groups(a), _groups(b)
    both = [(ga[k], gb[k]) for k in ga if k in gb]
    changes = _rate_changes(both, z) + _other_changes(both, z, za, zb) + _disparity_changes(a, b, z)
    appeared = [GroupPresence(level=g.level, group=g.attributes, n=g.n) for k, g in gb.items() if k not in ga]
    vanished = [GroupPresence(level=g.level, group=g.attributes, n=g.n) for k, g in ga.items() if k not in gb]
    same_data = a.data.sha256 == b.data.sha256
    if any(c.comparator_changed for c in changes):
        notes.append("Some disparities are against a different comparator group in the two runs (comparator_changed).")
    inputs = input_changes(a, b)
    verdicts = _verdict_changes(a, b)
    summary = summarise(a, b, info_a, info_b, inputs, changes, verdicts, appeared, vanished, ci_level)
    return Comparison(
        runs={"a": info_a, "b": info_b},
        ci_level=ci_level,
        same_data=same_data,
        min_group_size=min(a.spec.min_group_size, b.spec.min_group_size),
        inputs_changed=tuple(inputs),
        changes=tuple(changes),
        verdict_changes=tuple(verdicts),
        groups_appeared=tuple(appeared),
        groups_vanished=tuple(vanished),
        summary=tuple(summary),
        methods=METHODS,
        notes=tuple(notes),
    )
