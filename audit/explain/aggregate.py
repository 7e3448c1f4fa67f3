"""From per-row attributions to the audit's figures: global importance with bootstrap intervals, per group, the features
whose importance shifts most between groups, the share of attribution going to proxies or sensitive attributes, and a
small stratified sample of per-row values for beeswarm and dependence plots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.explain.result import (
    AttributionShare,
    FeatureImportance,
    GroupExplanation,
    GroupFeature,
    RankShift,
    RowSample,
    SampleFeature,
    Scalar,
)
from audit.stats.arrays import BoolArray, FloatArray, Positions

SAMPLE_ROWS = 250  # per-row values kept in the result for plots: enough for a beeswarm, ~100 kB of indented JSON
SAMPLE_FEATURES = 12
SAMPLE_MIN_PER_CELL = 10
MIN_GROUP_ROWS = 30  # below this a group's importance is reported but not compared
_CELLS_PER_CHUNK = 4_000_000  # bootstrap memory bound: resamples x rows per chunk


@dataclass(frozen=True)
class Boot:
    mean: FloatArray  # (F,) mean |phi|
    draws: FloatArray  # (B, F) the same over bootstrap resamples of the rows


def bootstrap(abs_phi: FloatArray, resamples: int, rng: np.random.Generator) -> Boot:
    """Resample rows with replacement; mean |phi| per feature in each resample."""
    n, f = abs_phi.shape
    mean = abs_phi.mean(axis=0) if n else np.zeros(f)
    if n == 0 or resamples <= 0:
        return Boot(mean, np.empty((0, f)))
    per = max(1, _CELLS_PER_CHUNK // n)
    draws = []
    for start in range(0, resamples, per):
        b = min(per, resamples - start)
        idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        draws.append(counts @ abs_phi / n)  # same as averaging the resampled rows, as one matrix product
    return Boot(mean, np.concatenate(draws))


def interval(draws: FloatArray, fallback: FloatArray) -> tuple[FloatArray, FloatArray]:
    if len(draws) == 0:
        return fallback, fallback
    return np.asarray(np.percentile(draws, 2.5, axis=0), dtype=np.float64), np.asarray(
        np.percentile(draws, 97.5, axis=0), dtype=np.float64
    )


def shares(values: FloatArray) -> FloatArray:
    total = values.sum(axis=-1, keepdims=True)
    out: FloatArray = np.divide(values, total, out=np.zeros_like(values), where=total > 0)
    return out


def ranks(values: FloatArray) -> npt.NDArray[np.int64]:
    order = np.argsort(-values, kind="stable")
    r = np.empty(len(values), dtype=np.int64)
    r[order] = np.arange(1, len(values) + 1)
    return r


def global_importance(names: Sequence[str], boot: Boot) -> tuple[FeatureImportance, ...]:
    lo, hi = interval(boot.draws, boot.mean)
    sh = shares(boot.mean)
    items = [
        FeatureImportance(feature=n, value=float(boot.mean[j]), ci_low=float(lo[j]), ci_high=float(hi[j]), share=float(sh[j]))
        for j, n in enumerate(names)
    ]
    return tuple(sorted(items, key=lambda it: -it.value))


def set_share(names: Sequence[str], members: Sequence[str], boot: Boot) -> AttributionShare | None:
    """Share of the total mean |phi| going to `members` (features the model does not take count as not used)."""
    if not members:
        return None
    index = {n: j for j, n in enumerate(names)}
    used = [m for m in members if m in index]
    cols = [index[m] for m in used]

    def share_of(v: FloatArray) -> FloatArray:
        total = v.sum(axis=-1)
        part = v[..., cols].sum(axis=-1) if cols else np.zeros_like(total)
        out: FloatArray = np.divide(part, total, out=np.zeros_like(part), where=total > 0)
        return out

    point = float(share_of(boot.mean))
    if len(boot.draws):
        b = share_of(boot.draws)
        lo, hi = float(np.percentile(b, 2.5)), float(np.percentile(b, 97.5))
    else:
        lo = hi = point
    return AttributionShare(
        features=tuple(used), not_used=tuple(m for m in members if m not in index), share=point, ci_low=lo, ci_high=hi
    )


def group_explanation(
    attributes: dict[str, str],
    n_rows: int,
    names: Sequence[str],
    boot: Boot,
    n_explained: int,
    proxies: Sequence[str],
    sensitive: Sequence[str],
) -> GroupExplanation:
    lo, hi = interval(boot.draws, boot.mean)
    sh, rk = shares(boot.mean), ranks(boot.mean)
    feats = sorted(
        (
            GroupFeature(
                feature=n,
                value=float(boot.mean[j]),
                share=float(sh[j]),
                rank=int(rk[j]),
                ci_low=float(lo[j]),
                ci_high=float(hi[j]),
            )
            for j, n in enumerate(names)
        ),
        key=lambda g: g.rank,
    )
    index = {n: j for j, n in enumerate(names)}

    def part(members: Sequence[str]) -> float | None:
        cols = [index[m] for m in members if m in index]
        if not members or n_explained == 0:
            return None
        return float(sh[cols].sum()) if cols else 0.0

    return GroupExplanation(
        attributes=dict(attributes),
        n_rows=int(n_rows),
        n_explained=int(n_explained),
        features=tuple(feats) if n_explained else (),
        proxy_share=part(proxies),
        sensitive_share=part(sensitive),
    )


def rank_shifts(groups: Sequence[GroupExplanation], top: int = 3) -> tuple[RankShift, ...]:
    """Per attribute (or intersection), the features whose share differs most between groups with enough rows."""
    dims: dict[tuple[str, ...], list[GroupExplanation]] = defaultdict(list)
    for g in groups:
        if g.n_explained >= MIN_GROUP_ROWS and g.features:
            dims[tuple(sorted(g.attributes))].append(g)
    out: list[RankShift] = []
    for dim, members in dims.items():
        if len(members) < 2:
            continue
        per_feature: dict[str, list[tuple[float, int, dict[str, str]]]] = defaultdict(list)
        for g in members:
            for f in g.features:
                per_feature[f.feature].append((f.share, f.rank, g.attributes))
        shifts = []
        for feat, vals in per_feature.items():
            lo = min(vals, key=lambda v: v[0])
            hi = max(vals, key=lambda v: v[0])
            r = [v[1] for v in vals]
            shifts.append(
                RankShift(
                    attributes=dim,
                    feature=feat,
                    share_min=lo[0],
                    share_max=hi[0],
                    share_spread=hi[0] - lo[0],
                    rank_min=min(r),
                    rank_max=max(r),
                    group_min=dict(lo[2]),
                    group_max=dict(hi[2]),
                )
            )
        shifts.sort(key=lambda s: (-s.share_spread, -(s.rank_max - s.rank_min), s.feature))
        out += [s for s in shifts[:top] if s.share_spread > 0 or s.rank_max > s.rank_min]
    return tuple(out)


def row_sample(
    names: Sequence[str],
    phi: FloatArray,
    index: Positions,
    explained: BoolArray,
    pos: Positions,
    groups: Sequence[tuple[dict[str, str], Positions]],
    X: pd.DataFrame,
    importance: FloatArray,
    max_rows: int = SAMPLE_ROWS,
    max_features: int = SAMPLE_FEATURES,
) -> RowSample | None:
    """Up to `max_rows` explained rows, stratified over the finest groups (see `RowSample`), with the SHAP values and
    feature values of the `max_features` most important features. `index` maps a row of X to its row in `phi`."""
    from audit.explain.local import _scalar
    from audit.explain.sampling import group_sample

    finest = max((len(a) for a, _ in groups), default=0)
    cells = [(dict(a), np.asarray(i, dtype=np.int64)) for a, i in groups if len(a) == finest] if groups else []
    if not cells:
        cells = [({}, np.arange(len(explained), dtype=np.int64))]
    ordered = [group_sample(idx, pos, explained) for _, idx in cells]
    take = _allocate([len(o) for o in ordered], [len(idx) for _, idx in cells], max_rows)
    rows, cell = [], []
    for c, (o, k) in enumerate(zip(ordered, take, strict=True)):  # one allocation per cell
        rows += o[:k].tolist()
        cell += [c] * k
    if not rows:
        return None
    top = np.argsort(-np.asarray(importance, dtype=np.float64), kind="stable")[:max_features]
    at = index[np.asarray(rows, dtype=np.int64)]
    columns = set(getattr(X, "columns", ()))
    features = []
    for j in top:
        name = names[j]
        col = X[name] if name in columns else None
        values = tuple(_display(_scalar(col.iat[r])) if col is not None else None for r in rows)
        features.append(SampleFeature(feature=name, shap=tuple(_round(v) for v in phi[at, j]), values=values))
    n_cells = sum(1 for k in take if k)
    how = (
        f"{len(rows)} explained rows stratified over {n_cells} group{'s' if n_cells != 1 else ''}"
        + (f" ({' x '.join(cells[0][0])})" if cells[0][0] else "")
        + f": each group's first explained rows in the run's seeded random order, at least "
        f"{min(SAMPLE_MIN_PER_CELL, max(1, max_rows // len(cells)))} per group where it has them, the rest in proportion "
        "to group size (small groups over-represented); SHAP values rounded to 5 significant digits"
    )
    return RowSample(
        sampling=how,
        rows=tuple(int(r) for r in rows),
        cell=tuple(cell),
        cells=tuple(a for a, _ in cells),
        cell_rows=tuple(len(idx) for _, idx in cells),
        features=tuple(features),
        features_total=len(names),
    )


def _allocate(available: Sequence[int], sizes: Sequence[int], total: int) -> list[int]:
    """Rows per cell: a floor for every cell, then the rest in proportion to its size, never more than it has."""
    n = len(available)
    floor = min(SAMPLE_MIN_PER_CELL, max(1, total // max(n, 1)))
    take = [min(a, floor) for a in available]
    left = total - sum(take)
    while left > 0:
        room = [i for i in range(n) if take[i] < available[i]]
        if not room:
            break
        weight = sum(sizes[i] for i in room) or 1
        add = {i: min(available[i] - take[i], int(left * sizes[i] / weight)) for i in room}
        if not any(add.values()):  # the remainder: one row each to the largest cells with room
            for i in sorted(room, key=lambda i: -sizes[i])[:left]:
                add[i] = 1
        for i, k in add.items():
            take[i] += k
        left = total - sum(take)
    if sum(take) > total:  # more cells than rows: the largest cells keep theirs
        keep = set(sorted(range(n), key=lambda i: -sizes[i])[:total])
        take = [t if i in keep else 0 for i, t in enumerate(take)]
    return take


def _round(v: float, digits: int = 5) -> float:
    return float(f"{float(v):.{digits}g}")


def _display(v: Scalar) -> Scalar:
    return _round(v, 6) if isinstance(v, float) else v
