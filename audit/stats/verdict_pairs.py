"""The verdicts' family as pair arrays: every tested (group, comparator) pair of every check and level, its deciding
interval at the family level, its one-sided threshold tests, Holm's step-down over all of them, and the rows that would
decide an undecided pair. Each computation runs once per kind of statistic over the pairs of every check and level
(numpy calls on many small arrays would cost more than the arithmetic). audit/stats/verdicts.py reads the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from audit.policy import Check, Policy
from audit.stats import intervals
from audit.stats.arrays import BoolArray, FloatArray, IntArray
from audit.stats.estimates import LevelStats
from audit.stats.significance import holm, needed_scale, threshold_pvalues
from audit.stats.verdict_units import Unit, units

# The pair's counts: numerator and denominator of the group, then of the comparator.
Args = tuple[IntArray, IntArray, IntArray, IntArray]


def _concat(parts: Sequence[Args]) -> Args:
    x1, n1, x2, n2 = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return x1, n1, x2, n2


def _floats() -> FloatArray:
    return np.zeros(0)


def _flags() -> BoolArray:
    return np.zeros(0, dtype=bool)


@dataclass
class Block:
    """The pairs of one (check, level): group `g[i]` against comparator `h[i]`, filled in as the family is decided."""

    check: Check
    st: LevelStats
    g: IntArray
    h: IntArray
    unit: IntArray  # id() of the unit each pair belongs to
    args: Args
    bounds: tuple[tuple[str, float], ...]
    low: float | None
    high: float | None
    p: list[FloatArray] = field(default_factory=list)  # per bound: one-sided p-values of "the rule holds"
    adj: list[FloatArray] = field(default_factory=list)  # per bound: the same, Holm-adjusted over the family
    point: FloatArray = field(default_factory=_floats)
    lo: FloatArray = field(default_factory=_floats)
    hi: FloatArray = field(default_factory=_floats)
    inside: BoolArray = field(default_factory=_flags)  # passes: the interval lies within the rule
    outside: BoolArray = field(default_factory=_flags)  # the interval lies wholly beyond a bound
    fail: BoolArray = field(default_factory=_flags)  # outside, or rejected by Holm
    k_g: FloatArray = field(default_factory=_floats)  # scale of the group's rows that would decide it (NaN: decided)
    k_b: FloatArray = field(default_factory=_floats)  # scale of both sides' rows, where the group's alone never would


@dataclass
class Decisions:
    """The family's pair arrays before they are turned into `Verdict`s (the coverage benchmark counts fails here)."""

    units: list[Unit]
    pairs: list[Block]
    z: float
    level: float
    m: int
    tail: float

    def failed_units(self) -> int:
        return int(sum(len(np.unique(b.unit[b.fail])) for b in self.pairs))


def decide(policy: Policy, all_stats: list[LevelStats], min_size: int, needed: bool = True) -> Decisions:
    """Every pair's interval at the family level, Holm over the family's one-sided tests, pass / fail per pair."""
    found = units(policy, all_stats, min_size)
    pairs = _pairs([u for u in found if not u.why_not])
    m = int(sum(len(b.bounds) * len(b.g) for b in pairs))
    tail = policy.alpha / max(m, 1) if policy.multiplicity == "holm" else policy.alpha
    z = float(intervals.z_for(tail))
    for kind in ("difference", "ratio"):
        bs = [b for b in pairs if b.check.compare == kind]
        if not bs:
            continue
        parts = [(b, k) for b in bs for k in range(len(b.bounds))]
        args = _concat([b.args for b, _ in parts])
        t = np.concatenate([np.full(len(b.g), b.bounds[k][1]) for b, k in parts])
        below = np.concatenate([np.full(len(b.g), b.bounds[k][0] == "min") for b, k in parts])
        pvalues = split(threshold_pvalues(kind, *args, t, below), [len(b.g) for b, _ in parts])
        for (b, k), pv in zip(parts, pvalues, strict=True):
            b.p[k] = pv
        cat = _concat([b.args for b in bs])
        point, lo, hi = (split(v, [len(b.g) for b in bs]) for v in intervals.compare(kind, *cat, z))
        for b, b_point, b_lo, b_hi in zip(bs, point, lo, hi, strict=True):
            b.point, b.lo, b.hi = b_point, b_lo, b_hi
    flat_p = np.concatenate([p for b in pairs for p in b.p]) if pairs else np.zeros(0)
    adj = holm(flat_p) if policy.multiplicity == "holm" else flat_p
    chunks = iter(split(adj, [len(b.g) for b in pairs for _ in b.bounds]))
    for b in pairs:
        b.adj = [next(chunks) for _ in b.bounds]
        _decide_pairs(b, policy.alpha)
    if needed:
        _needed_scales(pairs, z)
    return Decisions(found, pairs, z, 1 - 2 * tail, m, tail)


def split(v: FloatArray, sizes: Sequence[int]) -> list[FloatArray]:
    return np.split(v, np.cumsum(sizes)[:-1]) if sizes else []


def _pairs(tested: list[Unit]) -> list[Block]:
    """Pair arrays (group, comparator, their counts), one block per (check, level), in the units' order."""
    found: dict[tuple[int, int], tuple[Check, LevelStats, list[int], list[int], list[int]]] = {}
    for u in tested:
        check, st, gs, hs, unit = found.setdefault((id(u.check), id(u.st)), (u.check, u.st, [], [], []))
        u.first = len(gs)
        for c in u.comparators:
            gs.append(u.g)
            hs.append(c)
            unit.append(id(u))
    blocks = []
    for check, st, g_list, h_list, unit_list in found.values():
        g, h = np.asarray(g_list, dtype=np.int64), np.asarray(h_list, dtype=np.int64)
        num, den = st.numerator(check.metric), st.denominator(check.metric)
        bounds = check.bounds()
        sides = dict(bounds)
        blocks.append(
            Block(
                check=check,
                st=st,
                g=g,
                h=h,
                unit=np.asarray(unit_list, dtype=np.int64),
                args=(num[g], den[g], num[h], den[h]),
                bounds=bounds,
                low=sides.get("min"),
                high=sides.get("max"),
                p=[np.zeros(0) for _ in bounds],
            )
        )
    return blocks


def _decide_pairs(b: Block, alpha: float) -> None:
    inside, outside = sides(b.lo, b.hi, b.low, b.high)
    rejected = np.zeros(len(b.g), dtype=bool)
    for a in b.adj:
        rejected |= a < alpha
    fail = outside | rejected
    b.inside, b.outside, b.fail = inside & ~fail, outside, fail


def sides(lo: FloatArray, hi: FloatArray, low: float | None, high: float | None) -> tuple[BoolArray, BoolArray]:
    """Where each interval lies wholly within the rule (first) and wholly beyond one of its bounds (second)."""
    inside = np.ones(len(lo), dtype=bool)
    outside = np.zeros(len(lo), dtype=bool)
    if low is not None:
        inside &= lo >= low
        outside |= hi < low
    if high is not None:
        inside &= hi <= high
        outside |= lo > high
    return inside, outside


def _needed_scales(pairs: list[Block], z: float) -> None:
    """Rows that would decide each undecided pair (`k_g`, `k_b`), one vectorised search per kind."""
    for b in pairs:
        b.k_g, b.k_b = np.full(len(b.g), np.nan), np.full(len(b.g), np.nan)
    for kind in ("difference", "ratio"):
        undecided = [(b, np.flatnonzero(~(b.inside | b.fail))) for b in pairs if b.check.compare == kind]
        bs = [(b, i) for b, i in undecided if len(i)]
        if not bs:
            continue
        args = _concat([(b.args[0][i], b.args[1][i], b.args[2][i], b.args[3][i]) for b, i in bs])
        low = np.concatenate([np.full(len(i), np.nan if b.low is None else b.low) for b, i in bs])
        high = np.concatenate([np.full(len(i), np.nan if b.high is None else b.high) for b, i in bs])
        k_g, k_b = scale_rows(kind, args, low, high, z)
        sizes = [len(i) for _, i in bs]
        for (b, i), kg, kb in zip(bs, split(k_g, sizes), split(k_b, sizes), strict=True):
            b.k_g[i], b.k_b[i] = kg, kb


def scale_rows(
    kind: str, args: Args, low: FloatArray | float | None, high: FloatArray | float | None, z: float
) -> tuple[FloatArray, FloatArray]:
    """The factor on the group's rows (first), else on both sides' rows (second), that would decide each pair."""
    k_g = needed_scale(kind, *args, z, low, high, both=False)
    k_b = np.full(len(k_g), np.nan)
    never = ~np.isfinite(k_g)
    if never.any():  # the comparator's own uncertainty is the limit: both would have to grow
        x1, n1, x2, n2 = (a[never] for a in args)
        k_b[never] = needed_scale(kind, x1, n1, x2, n2, z, _at(low, never), _at(high, never), both=True)
    return k_g, k_b


def _at(bound: FloatArray | float | None, where: BoolArray) -> FloatArray | float | None:
    """A per-pair bound at the chosen pairs; a scalar (or absent) bound as it is."""
    return bound[where] if isinstance(bound, np.ndarray) and bound.ndim else bound
