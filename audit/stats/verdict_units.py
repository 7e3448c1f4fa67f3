"""The units of a policy's verdicts: one per group, check and level, with the comparators it is tested against, or the
reason it cannot be tested (too few rows, no comparator). audit/stats/verdict_pairs.py turns the testable ones into
the family's pairs; audit/stats/verdicts.py words the verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit.policy import Check, Policy
from audit.stats.arrays import IntArray
from audit.stats.estimates import LevelStats, most_selected
from audit.stats.metrics import DENOMINATOR_NAMES


@dataclass
class Unit:
    """One verdict: group g under `check` at one level, against one comparator or (max / min) several."""

    check: Check
    st: LevelStats
    g: int
    comparators: list[int]
    why_not: str = ""  # set when the unit cannot be tested (size, undefined)
    first: int = 0  # index of its first pair in the pair arrays


def applies(check: Check, st: LevelStats) -> bool:
    n = len(st.level.features)
    return check.levels == "all" or (check.levels == "features") == (n == 1)


def units(policy: Policy, all_stats: list[LevelStats], min_size: int) -> list[Unit]:
    out = []
    for check in policy.checks:
        what = DENOMINATOR_NAMES[check.metric]
        for st in all_stats:
            if not applies(check, st) or len(st.level.groups) < 2:
                continue
            sizes, den = st.counts.sum(axis=1), st.denominator(check.metric)
            big = (sizes >= min_size) & (den >= min_size)
            extreme = check.against != "reference"
            top = most_selected(st, check.metric, min_size, check.against == "max") if extreme else st.ref
            for g in np.flatnonzero(sizes > 0):
                if extreme:
                    comps = [int(h) for h in np.flatnonzero(big) if h != g]
                elif g != st.ref:
                    comps = [st.ref]
                else:
                    continue
                u = Unit(check, st, int(g), comps)
                u.why_not = _untestable(u, sizes, den, min_size, what, extreme)
                if u.why_not and extreme:  # shown against the observed highest (lowest) group
                    u.comparators = [top] if top is not None and top != g else []
                out.append(u)
    return out


def _untestable(u: Unit, sizes: IntArray, den: IntArray, min_size: int, what: str, extreme: bool) -> str:
    g, metric = u.g, u.check.metric
    if sizes[g] < min_size:
        return f"the group has {sizes[g]} rows, below the minimum group size {min_size}"
    if den[g] < min_size:
        return f"the group has {den[g]} {what}, below the minimum {min_size} needed to estimate {metric}"
    if not u.comparators:
        return f"no other group has at least {min_size} rows and {min_size} {what}"
    c = u.comparators[0]
    if not extreme and sizes[c] < min_size:
        return f"the comparator has {sizes[c]} rows, below the minimum group size {min_size}"
    if not extreme and den[c] < min_size:
        return f"the comparator has {den[c]} {what}, below the minimum {min_size} needed to estimate {metric}"
    return ""
