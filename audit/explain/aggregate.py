"""From per-row attributions to the audit's figures: global importance with bootstrap intervals, per group, the features
whose importance shifts most between groups, and the share of attribution going to proxies or sensitive attributes."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from audit.explain.result import AttributionShare, FeatureImportance, GroupExplanation, GroupFeature, RankShift

MIN_GROUP_ROWS = 30  # below this a group's importance is reported but not compared
_CELLS_PER_CHUNK = 4_000_000  # bootstrap memory bound: resamples x rows per chunk


@dataclass(frozen=True)
class Boot:
    mean: np.ndarray  # (F,) mean |phi|
    draws: np.ndarray  # (B, F) the same over bootstrap resamples of the rows


def bootstrap(abs_phi: np.ndarray, resamples: int, rng: np.random.Generator) -> Boot:
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


def interval(draws: np.ndarray, fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(draws) == 0:
        return fallback, fallback
    return np.percentile(draws, 2.5, axis=0), np.percentile(draws, 97.5, axis=0)


def shares(values: np.ndarray) -> np.ndarray:
    total = values.sum(axis=-1, keepdims=True)
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)


def ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    r = np.empty(len(values), dtype=np.int64)
    r[order] = np.arange(1, len(values) + 1)
    return r


def global_importance(names: Sequence[str], boot: Boot) -> tuple[FeatureImportance, ...]:
    lo, hi = interval(boot.draws, boot.mean)
    sh = shares(boot.mean)
    items = [FeatureImportance(feature=n, value=float(boot.mean[j]), ci_low=float(lo[j]), ci_high=float(hi[j]), share=float(sh[j]))
             for j, n in enumerate(names)]
    return tuple(sorted(items, key=lambda it: -it.value))


def set_share(names: Sequence[str], members: Sequence[str], boot: Boot) -> AttributionShare | None:
    """Share of the total mean |phi| going to `members` (features the model does not take count as not used)."""
    if not members:
        return None
    index = {n: j for j, n in enumerate(names)}
    used = [m for m in members if m in index]
    cols = [index[m] for m in used]

    def share_of(v: np.ndarray) -> np.ndarray:
        total = v.sum(axis=-1)
        part = v[..., cols].sum(axis=-1) if cols else np.zeros_like(total)
        return np.divide(part, total, out=np.zeros_like(part), where=total > 0)

    point = float(share_of(boot.mean))
    if len(boot.draws):
        b = share_of(boot.draws)
        lo, hi = float(np.percentile(b, 2.5)), float(np.percentile(b, 97.5))
    else:
        lo = hi = point
    return AttributionShare(features=tuple(used), not_used=tuple(m for m in members if m not in index), share=point, ci_low=lo, ci_high=hi)


def group_explanation(attributes: dict[str, str], n_rows: int, names: Sequence[str], boot: Boot, n_explained: int,
                      proxies: Sequence[str], sensitive: Sequence[str]) -> GroupExplanation:
    lo, hi = interval(boot.draws, boot.mean)
    sh, rk = shares(boot.mean), ranks(boot.mean)
    feats = sorted((GroupFeature(feature=n, value=float(boot.mean[j]), share=float(sh[j]), rank=int(rk[j]),
                                 ci_low=float(lo[j]), ci_high=float(hi[j])) for j, n in enumerate(names)), key=lambda g: g.rank)
    index = {n: j for j, n in enumerate(names)}

    def part(members: Sequence[str]) -> float | None:
        cols = [index[m] for m in members if m in index]
        if not members or n_explained == 0:
            return None
        return float(sh[cols].sum()) if cols else 0.0

    return GroupExplanation(attributes=dict(attributes), n_rows=int(n_rows), n_explained=int(n_explained),
                            features=tuple(feats) if n_explained else (), proxy_share=part(proxies), sensitive_share=part(sensitive))


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
            shifts.append(RankShift(attributes=dim, feature=feat, share_min=lo[0], share_max=hi[0], share_spread=hi[0] - lo[0],
                                    rank_min=min(r), rank_max=max(r), group_min=dict(lo[2]), group_max=dict(hi[2])))
        shifts.sort(key=lambda s: (-s.share_spread, -(s.rank_max - s.rank_min), s.feature))
        out += [s for s in shifts[:top] if s.share_spread > 0 or s.rank_max > s.rank_min]
    return tuple(out)
