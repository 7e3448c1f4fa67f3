"""Per-group metrics with intervals, disparities and level summaries, all from per-group confusion counts.

Rates, differences and ratios get closed-form intervals (audit/stats/intervals.py); F1 and the max-min summaries, which
have none, get percentile intervals from Jeffreys-posterior draws of each group's counts (audit/stats/bootstrap.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np

from audit.engines.base import ScoreTable
from audit.result import CalibrationBin, Confusion, Disparity, Estimate, GroupResult, LevelSummary
from audit.stats import intervals
from audit.stats import metrics as M
from audit.stats.arrays import BoolArray, Counts, FloatArray, IntArray, Labels
from audit.stats.bootstrap import aggregate, percentile_intervals, posterior_counts
from audit.stats.cells import Level
from audit.stats.score_levels import level_scores
from audit.stats.score_metrics import (
    N_BINS,
    auc_delong,
    auc_delong_counts,
    brier,
    brier_counts,
    calibration_bins,
    calibration_bins_counts,
    ece_from_bins,
    expected_calibration_error,
)
from audit.stats.significance import equal_rates_test, holm

DISPARITY_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "tnr", "precision", "npv", "accuracy")


@dataclass(frozen=True)
class LevelStats:
    """Everything computed for one level; verdicts read it, results are built from it."""

    level: Level
    counts: IntArray  # (G, 4)
    point: dict[str, FloatArray]  # metric -> (G,)
    samples: dict[str, FloatArray]  # metric -> (B, G) posterior draws; NaN where the observed rate is undefined
    ref: int
    ref_reason: str

    def denominator(self, metric: str) -> IntArray:
        return M.parts(self.counts, metric)[1]

    def numerator(self, metric: str) -> IntArray:
        return M.parts(self.counts, metric)[0]

    def label(self, g: int) -> str:
        return " & ".join(f"{k}={v}" for k, v in self.level.groups[g].items()) or "all"


def level_stats(
    level: Level,
    n_cells: int,
    cell_counts: IntArray,
    references: dict[str, str],
    draws: int,
    rng: np.random.Generator,
    intersection_reference: str = "references",
    automatic: frozenset[str] = frozenset(),
) -> LevelStats:
    """`references` holds a value for each feature the level is compared on; `automatic` names the features whose value
    was not declared but taken from that feature's own largest group (so the stated reason stays true)."""
    counts = np.rint(aggregate(cell_counts, level.membership(n_cells))).astype(np.int64)
    sim = posterior_counts(counts, draws, rng)
    samples = M.all_metrics(sim)
    for m, v in samples.items():  # a rate with no rows behind it stays undefined in every draw, not the prior's guess
        v[:, M.parts(counts, m)[1] == 0] = np.nan
    ref, reason = _reference(level, counts, references, intersection_reference, automatic)
    return LevelStats(level, counts, M.all_metrics(counts), samples, ref, reason)


def _reference(
    level: Level,
    counts: IntArray,
    references: dict[str, str],
    intersection_reference: str = "references",
    automatic: frozenset[str] = frozenset(),
) -> tuple[int, str]:
    sizes = counts.sum(axis=1)
    largest = int(np.argmax(sizes))
    if len(level.features) > 1 and intersection_reference == "largest":
        return largest, "largest group (chosen for intersections)"
    wanted = {f: references[f] for f in level.features if f in references}
    if not wanted:
        return largest, "largest group (no reference declared)"
    if len(level.features) == 1:
        for g, attrs in enumerate(level.groups):
            if all(attrs[f] == v for f, v in wanted.items()) and sizes[g] > 0:
                return g, "declared reference"
        return largest, "largest group (declared reference absent)"
    named = " & ".join(f"{f}={v}" + (" (its largest group)" if f in automatic else " (declared)") for f, v in wanted.items())
    if len(wanted) == len(level.features):
        for g, attrs in enumerate(level.groups):
            if all(attrs[f] == v for f, v in wanted.items()) and sizes[g] > 0:
                return g, f"combination of the references: {named}"
    return largest, f"largest group (the combination of the references, {named}, has no rows)"


def _estimates(point: FloatArray, lo: FloatArray, hi: FloatArray) -> list[Estimate]:
    return [Estimate(value=float(v), ci_low=float(a), ci_high=float(b)) for v, a, b in zip(point, lo, hi, strict=True)]


def metric_estimates(stats: LevelStats, metric: str, ci: float) -> list[Estimate]:
    """Every group's value of `metric` with its interval: Agresti-Coull for rates, posterior percentiles for F1."""
    if metric in M.RATE_METRICS:
        num, den = M.parts(stats.counts, metric)
        lo, hi = intervals.rate(num, den, intervals.z_two_sided(ci))
        return _estimates(stats.point[metric], lo, hi)
    if stats.samples[metric].size == 0:
        return [Estimate(value=float(v)) for v in stats.point[metric]]
    return _estimates(stats.point[metric], *percentile_intervals(stats.samples[metric], ci))


def group_results(
    stats: LevelStats,
    n_total: int,
    min_size: int,
    ci: float,
    y: Labels,
    scores: FloatArray | None,
    group_of_row: IntArray | None,
    rng: np.random.Generator,
    resamples: int,
    presorted: bool = False,
) -> list[GroupResult]:
    """`group_results_from_table` for rows: y, scores and each row's group (`presorted` is accepted for callers that
    sorted the rows by score; the table sorts them anyway)."""
    table = None
    if scores is not None and group_of_row is not None:
        order = np.lexsort((group_of_row, scores))
        yy = np.asarray(y, dtype=np.int64)[order]
        table = ScoreTable(
            score=np.asarray(scores, dtype=float)[order], cell=np.asarray(group_of_row, dtype=np.int64)[order], pos=yy, neg=1 - yy
        )
    return group_results_from_table(stats, n_total, min_size, ci, table, None if table is None else table.cell, rng, resamples)


def group_results_from_table(
    stats: LevelStats,
    n_total: int,
    min_size: int,
    ci: float,
    table: ScoreTable | None,
    group_of_entry: IntArray | None,
    rng: np.random.Generator,
    resamples: int,
) -> list[GroupResult]:
    """Each group's result. `table`: counts at each (score, cell) (None: no scores), `group_of_entry` the group of each
    of its entries; a stable split keeps each group's entries in score order."""
    out = []
    per_metric = {m: metric_estimates(stats, m, ci) for m in M.COUNT_METRICS}
    scores = None
    if table is not None:  # every group's score figures at once (audit/stats/score_levels.py)
        group = np.zeros(len(table.cell), dtype=np.int64) if group_of_entry is None else group_of_entry
        # Counts as floats once (exact below 2**53): every score formula multiplies them with floats.
        scores = level_scores(table.score, table.pos.astype(float), table.neg.astype(float), group, len(stats.level.groups), ci)
    for g, attrs in enumerate(stats.level.groups):
        c = stats.counts[g]
        n = int(c.sum())
        if n == 0:
            continue
        metrics = {m: per_metric[m][g] for m in M.COUNT_METRICS}
        calibration: tuple[CalibrationBin, ...] = ()
        if scores is not None:
            bins = scores.bins(g)
            ece = ece_from_bins(*bins[:3], ci, rng, max(resamples, 1)) if bins[0].sum() else (np.nan, np.nan, np.nan)
            for name, v in (("auc", scores.auc[g]), ("brier", scores.brier[g]), ("calibration_error", ece)):
                metrics[name] = Estimate(value=v[0], ci_low=v[1], ci_high=v[2])
            calibration = _curve(*bins)
        out.append(
            GroupResult(
                level=stats.level.features,
                attributes=attrs,
                n=n,
                share=n / n_total,
                counts=Confusion(tn=int(c[0]), fp=int(c[1]), fn=int(c[2]), tp=int(c[3])),
                metrics=metrics,
                small=n < min_size,
                calibration=calibration,
            )
        )
    return out


def score_metrics(
    y: Labels, s: FloatArray, ci: float, rng: np.random.Generator, resamples: int, presorted: bool = False
) -> dict[str, Estimate]:
    auc = auc_delong(y, s, ci, presorted)
    b = brier(y, s, ci)
    e = expected_calibration_error(y, s, ci, rng, max(resamples, 1))
    return {
        name: Estimate(value=v[0], ci_low=v[1], ci_high=v[2])
        for name, v in (("auc", auc), ("brier", b), ("calibration_error", e))
    }


def score_metrics_counts(
    s: FloatArray,
    pos: Counts,
    neg: Counts,
    ci: float,
    rng: np.random.Generator,
    resamples: int,
    bins: tuple[IntArray, FloatArray, FloatArray, BoolArray] | None = None,
) -> dict[str, Estimate]:
    """AUC, Brier score and calibration error of one group from its counts at each distinct score (`bins`: its
    `calibration_bins_counts`, when already computed)."""
    auc = auc_delong_counts(s, pos, neg, ci)
    b = brier_counts(s, pos, neg, ci)
    if int(pos.sum() + neg.sum()) == 0:
        e = (np.nan, np.nan, np.nan)
    else:
        n, p, ssum, _ = bins if bins is not None else calibration_bins_counts(s, pos, neg)
        e = ece_from_bins(n, p, ssum, ci, rng, max(resamples, 1))
    return {
        name: Estimate(value=v[0], ci_low=v[1], ci_high=v[2])
        for name, v in (("auc", auc), ("brier", b), ("calibration_error", e))
    }


def calibration_curve(y: Labels, s: FloatArray) -> tuple[CalibrationBin, ...]:
    return _curve(*calibration_bins(y, s))


def calibration_curve_counts(s: FloatArray, pos: Counts, neg: Counts) -> tuple[CalibrationBin, ...]:
    return _curve(*calibration_bins_counts(s, pos, neg))


def _curve(n: IntArray, pos: FloatArray, ssum: FloatArray, present: BoolArray) -> tuple[CalibrationBin, ...]:
    return tuple(
        CalibrationBin(
            lower=i / N_BINS,
            upper=(i + 1) / N_BINS,
            n=int(n[i]),
            mean_score=float(ssum[i] / n[i]) if present[i] else None,
            observed_rate=float(pos[i] / n[i]) if present[i] else None,
        )
        for i in range(N_BINS)
    )


def most_selected(stats: LevelStats, metric: str, min_size: int, highest: bool = True) -> int | None:
    """The group with the highest (or lowest) value among groups whose denominator reaches the minimum size."""
    vals = stats.point[metric].copy()
    eligible = (stats.denominator(metric) >= min_size) & ~np.isnan(vals)
    if not eligible.any():
        eligible = ~np.isnan(vals)
        if not eligible.any():
            return None
    vals[~eligible] = -np.inf if highest else np.inf
    return int(np.argmax(vals) if highest else np.argmin(vals))


def compare_many(
    stats: LevelStats, metric: str, gs: Sequence[int] | IntArray, c: int | Sequence[int] | IntArray, ci: float
) -> tuple[list[Estimate], list[Estimate]]:
    """Difference and ratio (group minus / over comparator) of every group in `gs` against `c` (one comparator, or
    one per group), with MOVER / MOVER-R intervals at level `ci`."""
    num, den = stats.numerator(metric), stats.denominator(metric)
    idx, cs = np.asarray(gs, dtype=np.int64), np.asarray(c, dtype=np.int64)
    z = intervals.z_two_sided(ci)
    args = (num[idx], den[idx], num[cs], den[cs], z)
    return _estimates(*intervals.difference(*args)), _estimates(*intervals.ratio(*args))


def test_many(
    stats: LevelStats, metric: str, gs: Sequence[int] | IntArray, c: int | Sequence[int] | IntArray
) -> tuple[FloatArray, list[str]]:
    """Two-sided tests of equal rates, every group in `gs` against `c` (descriptive; verdicts test thresholds)."""
    num, den = stats.numerator(metric), stats.denominator(metric)
    idx, cs = np.asarray(gs, dtype=np.int64), np.asarray(c, dtype=np.int64)
    return equal_rates_test(num[idx], den[idx], num[cs], den[cs])


class _DisparityRow(TypedDict):
    """A `Disparity` before Holm's adjustment over the whole table."""

    level: tuple[str, ...]
    metric: str
    group: dict[str, str]
    reference: dict[str, str]
    against: Literal["reference", "max"]
    difference: Estimate
    ratio: Estimate
    p_value: float | None
    test: str


def disparities(all_stats: list[LevelStats], ci: float, min_size: int) -> list[Disparity]:
    rows: list[_DisparityRow] = []
    for st in all_stats:
        groups = st.level.groups
        if len(groups) < 2:
            continue
        pairs: list[tuple[str, int, Literal["reference", "max"]]] = [(m, st.ref, "reference") for m in DISPARITY_METRICS]
        top = most_selected(st, "selection_rate", min_size)
        if top is not None:
            pairs.append(("selection_rate", top, "max"))
        sizes = st.counts.sum(axis=1)
        for metric, c, against in pairs:
            gs = [g for g in range(len(groups)) if g != c and sizes[g] != 0]
            if not gs:
                continue
            diffs, ratios = compare_many(st, metric, gs, c, ci)
            ps, tests = test_many(st, metric, gs, c)
            for g, diff, ratio, p, test in zip(gs, diffs, ratios, ps.tolist(), tests, strict=True):
                rows.append(
                    _DisparityRow(
                        level=st.level.features,
                        metric=metric,
                        group=groups[g],
                        reference=groups[c],
                        against=against,
                        difference=diff,
                        ratio=ratio,
                        p_value=None if np.isnan(p) else p,
                        test=test,
                    )
                )
    adjusted = holm([np.nan if r["p_value"] is None else r["p_value"] for r in rows])
    return [Disparity(**r, p_adjusted=None if np.isnan(a) else a) for r, a in zip(rows, adjusted, strict=True)]


def _sampled(point: float, samples: FloatArray, ci: float) -> Estimate:
    if samples.size == 0:
        return Estimate(value=point)
    lo, hi = percentile_intervals(samples[:, None], ci)
    return Estimate(value=point, ci_low=float(lo[0]), ci_high=float(hi[0]))


def _spreads(x: FloatArray, axis: int) -> tuple[FloatArray, FloatArray]:
    """Max - min and min / max over groups, ignoring undefined rates (NaN); NaN where fewer than one is defined."""
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        hi, lo = np.nanmax(x, axis), np.nanmin(x, axis)
        r = lo / hi
    return hi - lo, np.where(np.isfinite(r), r, np.nan)


def level_summary(st: LevelStats, ci: float, min_size: int) -> LevelSummary:
    present = st.counts.sum(axis=1) > 0
    diffs, ratios = {}, {}
    for m in DISPARITY_METRICS:
        (pd_, pr), (sd, sr) = _spreads(st.point[m][present], 0), _spreads(st.samples[m][:, present], 1)
        diffs[m], ratios[m] = _sampled(float(pd_), sd, ci), _sampled(float(pr), sr, ci)
    # Equalized odds: the worse of the TPR and FPR spreads, in every draw too. A group without actual positives
    # (negatives) has no TPR (FPR) and is left out of that spread, where fairlearn would count it as 0.
    (tpr_d, tpr_r), (fpr_d, fpr_r) = (_spreads(st.point[m][present], 0) for m in ("tpr", "fpr"))
    (stpr_d, stpr_r), (sfpr_d, sfpr_r) = (_spreads(st.samples[m][:, present], 1) for m in ("tpr", "fpr"))
    return LevelSummary(
        level=st.level.features,
        reference=st.level.groups[st.ref],
        reference_reason=st.ref_reason,
        n_groups=int(present.sum()),
        small_groups=int(((st.counts.sum(axis=1) < min_size) & present).sum()),
        max_min_difference=diffs,
        min_max_ratio=ratios,
        demographic_parity_difference=diffs["selection_rate"],
        demographic_parity_ratio=ratios["selection_rate"],
        equalized_odds_difference=_sampled(float(np.fmax(tpr_d, fpr_d)), np.fmax(stpr_d, sfpr_d), ci),
        equalized_odds_ratio=_sampled(float(np.fmin(tpr_r, fpr_r)), np.fmin(stpr_r, sfpr_r), ci),
    )


def equalized_odds_gaps(all_stats: list[LevelStats]) -> list[str]:
    """Warnings naming the groups whose TPR or FPR is undefined and so left out of the equalized-odds summaries."""
    out = []
    for st in all_stats:
        present = st.counts.sum(axis=1) > 0
        for m, who in (("tpr", "actual positives"), ("fpr", "actual negatives")):
            gone = [st.label(int(g)) for g in np.flatnonzero(present & (st.denominator(m) == 0))]
            if gone:
                out.append(
                    f"Equalized odds for {' x '.join(st.level.features)}: {len(gone)} group(s) have no {who}, so their "
                    f"{m.upper()} is undefined and left out (fairlearn would count it as 0): "
                    + ", ".join(gone[:10])
                    + (" ..." if len(gone) > 10 else "")
                )
    return out
