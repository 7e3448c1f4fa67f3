"""Which rows to explain, and in which order, so that any prefix the time budget allows is still a sound sample.

One seeded permutation of all rows drives everything: the global figures use the longest prefix of it that was explained
(a uniform random sample); each group uses the longest prefix of its own rows in that order (a uniform random sample of
the group). Small groups are topped up with their first rows in that order, local examples come first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from audit.stats.arrays import BoolArray, FloatArray, Labels, Positions

Group = tuple[dict[str, str], Positions]


def permutation(n: int, seed: int) -> tuple[Positions, Positions]:
    """(perm, pos): a seeded order of all rows and each row's place in it."""
    perm = np.random.default_rng([seed, 0]).permutation(n)
    pos = np.empty(n, dtype=np.int64)
    pos[perm] = np.arange(n)
    return perm, pos


def local_picks(
    groups: Sequence[Group], decisions: Labels, scores: FloatArray | None, threshold: float | None, k: int, seed: int
) -> list[tuple[int, int, str]]:
    """(group index, row, kind) per example: up to k seeded-random adverse decisions and the k rows nearest the threshold."""
    picks: list[tuple[int, int, str]] = []
    if k <= 0:
        return picks
    thr = 0.5 if threshold is None else float(threshold)
    for gi, (_, idx) in enumerate(groups):
        idx = np.asarray(idx, dtype=np.int64)
        adverse = idx[~decisions[idx]]
        chosen = (
            np.random.default_rng([seed, 2, gi]).choice(adverse, size=min(k, len(adverse)), replace=False)
            if len(adverse)
            else np.empty(0, dtype=np.int64)
        )
        picks += [(gi, int(r), "adverse") for r in chosen]
        if scores is not None:
            rest = np.setdiff1d(idx, chosen)
            dist = np.abs(scores[rest] - thr)
            dist = np.where(np.isfinite(dist), dist, np.inf)
            near = rest[np.lexsort((rest, dist))[:k]]
            picks += [(gi, int(r), "borderline") for r in near if np.isfinite(scores[r])]
    return picks


def local_rows_in_order(picks: Sequence[tuple[int, int, str]]) -> Positions:
    """Round-robin over groups (each group's first example, then its second, ...) so a short budget still covers them all."""
    seen: dict[int, int] = {}
    keyed = []
    for gi, row, _ in picks:
        nth = seen.get(gi, 0)
        seen[gi] = nth + 1
        keyed.append((nth, gi, row))
    return _unique([row for _, _, row in sorted(keyed)])


def group_topups(groups: Sequence[Group], pos: Positions, per_group: int) -> Positions:
    """Each group's first `per_group` rows in the seeded order, interleaved across groups."""
    keyed = []
    for _, idx in groups:
        idx = np.asarray(idx, dtype=np.int64)
        first = idx[np.argsort(pos[idx], kind="stable")[:per_group]]
        keyed += [(rank, int(pos[r]), int(r)) for rank, r in enumerate(first)]
    return _unique([r for _, _, r in sorted(keyed)])


def explain_order(head: Positions, local: Positions, topups: Positions, perm: Positions) -> Positions:
    return _unique(np.concatenate([head, local, topups, perm]).astype(np.int64))


def prefix_in(ordered: Positions, explained: BoolArray) -> Positions:
    """The longest prefix of `ordered` whose rows are all in the boolean mask `explained`."""
    inside = explained[ordered]
    stop = int(np.argmin(inside)) if not inside.all() else len(ordered)
    return ordered[:stop]


def group_sample(idx: Positions, pos: Positions, explained: BoolArray) -> Positions:
    idx = np.asarray(idx, dtype=np.int64)
    return prefix_in(idx[np.argsort(pos[idx], kind="stable")], explained)


def _unique(rows: Sequence[int] | Positions) -> Positions:
    """Rows in order of first appearance."""
    arr = np.asarray(rows, dtype=np.int64)
    if arr.size == 0:
        return arr
    _, first = np.unique(arr, return_index=True)
    return arr[np.sort(first)]
