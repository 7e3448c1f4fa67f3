"""Apply a policy's checks to the computed levels: pass / fail / insufficient evidence, each with its reason.

The verdicts are one family (`Policy.multiplicity = "holm"`): every tested group comparison contributes one
one-sided hypothesis per bound of its rule (H0: the rule holds at that bound), m in all. A verdict
- fails when the evidence shows the rule violated: the deciding interval (two-sided, 1 - 2 alpha/m, i.e. one-sided
  alpha/m per bound: Bonferroni) lies wholly beyond a bound, or Holm's step-down over the m one-sided threshold tests
  rejects "the rule holds" at alpha. Both read the same interval (audit/significance.py), so a fail by the interval
  is always a Holm rejection too; the chance of any false fail in the report is at most alpha.
- passes when the deciding interval lies wholly inside the rule (each bound tested one-sided at alpha/m), so the
  chance of any false pass is at most alpha too.
- is insufficient evidence otherwise, with the rows that would decide it at the observed rates.

"Against the highest (lowest) group": which group is highest is itself read from noisy data, so a group is compared
with every group that reaches the minimum size. It fails when its rate falls short of any of them by the rule (then
it falls short of the highest too) and passes only when it clears all of them; every pair is in the family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit import intervals
from audit.fairness import LevelStats, most_selected
from audit.metrics import DENOMINATOR_NAMES
from audit.policy import Check, Policy
from audit.result import Estimate, Verdict, VerdictFamily, VerdictSummary
from audit.significance import holm, needed_scale, threshold_pvalues


@dataclass
class _Unit:
    """One verdict: group g under `check` at one level, against one comparator or (max / min) several."""

    check: Check
    st: LevelStats
    g: int
    comparators: list[int]
    why_not: str = ""  # set when the unit cannot be tested (size, undefined)
    first: int = 0  # index of its first pair in the pair arrays


def _applies(check: Check, st: LevelStats) -> bool:
    n = len(st.level.features)
    return check.levels == "all" or (check.levels == "features") == (n == 1)


def _units(policy: Policy, all_stats: list[LevelStats], min_size: int) -> list[_Unit]:
    out = []
    for check in policy.checks:
        what = DENOMINATOR_NAMES[check.metric]
        for st in all_stats:
            if not _applies(check, st) or len(st.level.groups) < 2:
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
                u = _Unit(check, st, int(g), comps)
                u.why_not = _untestable(u, sizes, den, min_size, what, extreme)
                if u.why_not and extreme:  # shown against the observed highest (lowest) group
                    u.comparators = [top] if top is not None and top != g else []
                out.append(u)
    return out


def _untestable(u: _Unit, sizes, den, min_size: int, what: str, extreme: bool) -> str:
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


@dataclass
class Decisions:
    """The family's pair arrays before they are turned into `Verdict`s (the coverage benchmark counts fails here)."""

    units: list[_Unit]
    pairs: list[dict]
    z: float
    level: float
    m: int
    tail: float

    def failed_units(self) -> int:
        return int(sum(len(np.unique(np.asarray(b["unit"])[b["fail"]])) for b in self.pairs))


def decide(policy: Policy, all_stats: list[LevelStats], min_size: int, needed: bool = True) -> Decisions:
    """Every pair's interval at the family level, Holm over the family's one-sided tests, pass / fail per pair.
    Each computation runs once per kind of statistic over the pairs of every check and level (numpy calls on many
    small arrays would cost more than the arithmetic)."""
    units = _units(policy, all_stats, min_size)
    pairs = _pairs([u for u in units if not u.why_not])
    m = int(sum(len(p["bounds"]) * len(p["g"]) for p in pairs))
    tail = policy.alpha / max(m, 1) if policy.multiplicity == "holm" else policy.alpha
    z = float(intervals.z_for(tail))
    for kind in ("difference", "ratio"):
        bs = [b for b in pairs if b["check"].compare == kind]
        if not bs:
            continue
        parts = [(b, k) for b in bs for k in range(len(b["bounds"]))]
        args = [np.concatenate([b["args"][i] for b, _ in parts]) for i in range(4)]
        t = np.concatenate([np.full(len(b["g"]), b["bounds"][k][1]) for b, k in parts])
        below = np.concatenate([np.full(len(b["g"]), b["bounds"][k][0] == "min") for b, k in parts])
        for (b, k), pv in zip(parts, _split(threshold_pvalues(kind, *args, t, below), [len(b["g"]) for b, _ in parts])):
            b.setdefault("p", [None] * len(b["bounds"]))[k] = pv
        cat = [np.concatenate([b["args"][i] for b in bs]) for i in range(4)]
        for b, (point, lo, hi) in zip(bs, zip(*(_split(v, [len(b["g"]) for b in bs]) for v in intervals.compare(kind, *cat, z)))):
            b.update(point=point, lo=lo, hi=hi)
    flat_p = np.concatenate([b["p"][k] for b in pairs for k in range(len(b["bounds"]))]) if pairs else np.zeros(0)
    adj = holm(flat_p) if policy.multiplicity == "holm" else flat_p
    sizes = [len(b["g"]) for b in pairs for _ in b["bounds"]]
    chunks = iter(_split(adj, sizes))
    for b in pairs:
        b["adj"] = [next(chunks) for _ in b["bounds"]]
        _decide_pairs(b, policy.alpha)
    if needed:
        _needed_scales(pairs, z)
    return Decisions(units, pairs, z, 1 - 2 * tail, m, tail)


def _split(v: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return np.split(v, np.cumsum(sizes)[:-1]) if sizes else []


def evaluate(policy: Policy, all_stats: list[LevelStats], min_size: int) -> tuple[list[Verdict], VerdictFamily]:
    if policy.decision == "point":
        return [_point(u, policy) for u in _units(policy, all_stats, min_size)], VerdictFamily(
            alpha=policy.alpha,
            multiplicity=policy.multiplicity,
            hypotheses=0,
            comparisons=0,
            interval_level=0.0,
            statement="The policy decides on point estimates alone: no interval, no error control.",
        )
    d = decide(policy, all_stats, min_size)
    blocks = {(id(b["check"]), id(b["st"])): b for b in d.pairs}
    found = [_verdict(u, blocks.get((id(u.check), id(u.st))), d.z, d.level, d.m, policy, min_size) for u in d.units]
    n_cmp = int(sum(len(p["g"]) for p in d.pairs))
    family = VerdictFamily(
        alpha=policy.alpha,
        multiplicity=policy.multiplicity,
        hypotheses=d.m,
        comparisons=n_cmp,
        interval_level=d.level,
        statement=_statement(policy, d.m, n_cmp, d.level, d.tail),
    )
    return found, family


def _pairs(tested: list[_Unit]) -> list[dict]:
    """Pair arrays (group, comparator, their counts), one block per (check, level)."""
    blocks: dict[tuple[int, int], dict] = {}
    for u in tested:
        key = (id(u.check), id(u.st))
        b = blocks.setdefault(key, dict(check=u.check, st=u.st, g=[], h=[], unit=[]))
        u.first = len(b["g"])
        for h in u.comparators:
            b["g"].append(u.g)
            b["h"].append(h)
            b["unit"].append(id(u))
    for b in blocks.values():
        check, st = b["check"], b["st"]
        b["g"], b["h"] = np.asarray(b["g"], dtype=np.int64), np.asarray(b["h"], dtype=np.int64)
        num, den = st.numerator(check.metric), st.denominator(check.metric)
        b["args"] = (num[b["g"]], den[b["g"]], num[b["h"]], den[b["h"]])
        b["bounds"] = check.bounds()
        b["low"], b["high"] = dict(b["bounds"]).get("min"), dict(b["bounds"]).get("max")
    return list(blocks.values())


def _decide_pairs(b: dict, alpha: float) -> None:
    inside, outside = _sides(b["lo"], b["hi"], b["low"], b["high"])
    rejected = np.zeros(len(b["g"]), dtype=bool)
    for a in b["adj"]:
        rejected |= a < alpha
    fail = outside | rejected
    b.update(inside=inside & ~fail, outside=outside, fail=fail)


def _sides(lo, hi, low, high) -> tuple[np.ndarray, np.ndarray]:
    inside = np.ones(len(lo), dtype=bool)
    outside = np.zeros(len(lo), dtype=bool)
    if low is not None:
        inside &= lo >= low
        outside |= hi < low
    if high is not None:
        inside &= hi <= high
        outside |= lo > high
    return inside, outside


def _needed_scales(pairs: list[dict], z: float) -> None:
    """Rows that would decide each undecided pair (b["k_g"], b["k_b"]), one vectorised search per kind."""
    for b in pairs:
        b["k_g"], b["k_b"] = np.full(len(b["g"]), np.nan), np.full(len(b["g"]), np.nan)
    for kind in ("difference", "ratio"):
        bs = [(b, np.flatnonzero(~(b["inside"] | b["fail"]))) for b in pairs if b["check"].compare == kind]
        bs = [(b, i) for b, i in bs if len(i)]
        if not bs:
            continue
        args = [np.concatenate([b["args"][j][i] for b, i in bs]) for j in range(4)]
        bound = lambda key: np.concatenate([np.full(len(i), np.nan if b[key] is None else b[key]) for b, i in bs])  # noqa: E731
        k_g, k_b = _scale_rows(kind, args, bound("low"), bound("high"), z)
        for (b, i), kg, kb in zip(bs, _split(k_g, [len(i) for _, i in bs]), _split(k_b, [len(i) for _, i in bs])):
            b["k_g"][i], b["k_b"][i] = kg, kb


def _verdict(u: _Unit, b: dict | None, z: float, level: float, m: int, policy: Policy, min_size: int) -> Verdict:
    check, st, g = u.check, u.st, u.g
    common = dict(
        check=check.id,
        rule=check.rule(),
        level=st.level.features,
        group=st.level.groups[g],
        n_group=int(st.counts[g].sum()),
        interval_level=level,
        family_size=m,
    )
    if u.why_not:
        c = u.comparators[0] if u.comparators else g
        stat, need_g, need_c = _single(u, c, z, min_size)
        return Verdict(
            **common,
            comparator=st.level.groups[c],
            statistic=stat,
            n_comparator=int(st.counts[c].sum()),
            p_adjusted=None,
            status="insufficient_evidence",
            decided_by="size",
            needed_n_group=need_g,
            needed_n_comparator=need_c,
            reason=u.why_not + _needed_text(need_g, need_c),
        )
    idx = np.arange(u.first, u.first + len(u.comparators))
    fail, inside = b["fail"][idx], b["inside"][idx]
    adj_min = np.min(np.stack([a[idx] for a in b["adj"]]), axis=0)
    if fail.any():
        status, j = "fail", idx[np.flatnonzero(fail)[np.argmin(adj_min[fail])]]
    elif inside.all():
        status, j = "pass", _weakest(b, idx)
    else:
        status, j = "insufficient_evidence", _weakest(b, idx[~inside])
    k = int(np.argmin([a[j] for a in b["adj"]]))
    p_raw, p_adj = float(b["p"][k][j]), float(b["adj"][k][j])
    c = int(b["h"][j])
    stat = Estimate(value=b["point"][j], ci_low=b["lo"][j], ci_high=b["hi"][j])
    need_g = need_c = None
    if status == "insufficient_evidence":
        need_g, need_c = _needed(b, idx[~inside])
    reason, by = _reason(status, check, stat, level, b, j, k, p_raw, p_adj, policy, len(u.comparators), need_g, need_c)
    return Verdict(
        **common,
        comparator=st.level.groups[c],
        statistic=stat,
        n_comparator=int(st.counts[c].sum()),
        p_adjusted=p_adj,
        p_value=p_raw,
        status=status,
        decided_by=by,
        needed_n_group=need_g,
        needed_n_comparator=need_c,
        reason=reason,
    )


def _weakest(b: dict, idx: np.ndarray) -> int:
    """The pair closest to violating the rule: lowest lower end for a min bound, else highest upper end."""
    if b["low"] is not None:
        return int(idx[np.argmin(np.nan_to_num(b["lo"][idx], nan=-np.inf))])
    return int(idx[np.argmax(np.nan_to_num(b["hi"][idx], nan=np.inf))])


def _scale_rows(kind: str, args, low, high, z: float) -> tuple[np.ndarray, np.ndarray]:
    k_g = needed_scale(kind, *args, z, low, high, both=False)
    k_b = np.full(len(k_g), np.nan)
    never = ~np.isfinite(k_g)
    if never.any():  # the comparator's own uncertainty is the limit: both would have to grow
        pick = lambda v: v[never] if np.ndim(v) else v  # noqa: E731
        k_b[never] = needed_scale(kind, *(a[never] for a in args), z, pick(low), pick(high), both=True)
    return k_g, k_b


def _needed(b: dict, idx: np.ndarray) -> tuple[int | None, int | None]:
    """Rows for the verdict to be decided at the observed rates: the first violating pair to fail, else every pair
    to pass; the comparator's rows too when the group's alone would never do."""
    k_g, k_b = b["k_g"][idx], b["k_b"][idx]
    k = np.where(np.isfinite(k_g), k_g, k_b)
    violating = ~_holds(b, b["point"][idx])
    pick = int(np.argmin(np.where(violating, k, np.inf))) if violating.any() else int(np.argmax(k))
    st, g, h = b["st"], int(b["g"][idx[pick]]), int(b["h"][idx[pick]])
    if not np.isfinite(k[pick]):
        return None, None
    rows_g, rows_h = int(st.counts[g].sum()), int(st.counts[h].sum())
    if np.isfinite(k_g[pick]):
        return int(np.ceil(k_g[pick] * rows_g)), None
    return int(np.ceil(k_b[pick] * rows_g)), int(np.ceil(k_b[pick] * rows_h))


def _holds(b: dict, value: np.ndarray) -> np.ndarray:
    ok = np.ones(len(value), dtype=bool)
    if b["low"] is not None:
        ok &= value >= b["low"]
    if b["high"] is not None:
        ok &= value <= b["high"]
    return ok


def _single(u: _Unit, c: int, z: float, min_size: int) -> tuple[Estimate, int | None, int | None]:
    """Statistic and needed rows of an untested unit (too small, or no comparator)."""
    st, check, g = u.st, u.check, u.g
    if c == g:
        return Estimate(value=None), None, None
    num, den = st.numerator(check.metric), st.denominator(check.metric)
    args = (num[[g]], den[[g]], num[[c]], den[[c]])
    point, lo, hi = intervals.compare(check.compare, *args, z)
    stat = Estimate(value=point[0], ci_low=lo[0], ci_high=hi[0])
    rows = st.counts.sum(axis=1)

    def at_least(n_rows, d):  # rows for both the row count and the metric's denominator to reach the minimum
        return int(np.ceil(max(min_size, min_size * n_rows / d))) if d > 0 else None

    need_g, need_c = at_least(rows[g], den[g]), None
    if rows[c] < min_size or den[c] < min_size:
        need_c = at_least(rows[c], den[c])
    bounds = dict(check.bounds())
    k_g, _ = _scale_rows(check.compare, args, bounds.get("min"), bounds.get("max"), z)
    if need_g is not None and np.isfinite(k_g[0]):
        need_g = max(need_g, int(np.ceil(k_g[0] * rows[g])))
    return stat, need_g, need_c


def _needed_text(need_g: int | None, need_c: int | None) -> str:
    if need_g is None:
        return ""
    text = f"; about {need_g:,} rows in the group"
    if need_c is not None:
        text += f" and {need_c:,} in the comparator"
    return text + " would decide it at the observed rates"


def _reason(
    status,
    check: Check,
    stat: Estimate,
    level: float,
    b: dict,
    j: int,
    k: int,
    p_raw: float,
    p_adj: float,
    policy: Policy,
    n_comparators: int,
    need_g,
    need_c,
) -> tuple[str, str]:
    shown = f"{check.compare} {stat.value:.3f}" if stat.value is not None else f"{check.compare} undefined"
    lo, hi = stat.ci_low, stat.ci_high
    interval = f"[{lo:.3f}, {'+inf' if hi is None else f'{hi:.3f}'}]" if lo is not None else "[undefined]"
    lvl = f"{level * 100:.4g}%"
    several = f" (the least favourable of {n_comparators} comparisons)" if n_comparators > 1 else ""
    if status == "pass":
        return f"{shown}{several}; the whole {lvl} interval {interval} satisfies the rule", "interval"
    if status == "fail":
        side, t = b["bounds"][k]
        h0 = f"{check.compare} {'>=' if side == 'min' else '<='} {t:g}"
        if b["outside"][j]:
            return (
                f"{shown}; the whole {lvl} interval {interval} violates the rule (one-sided p = {p_raw:.3g} for H0: {h0})",
                "interval",
            )
        return (
            f"{shown}; the {lvl} interval {interval} reaches the threshold, but the one-sided test of H0: {h0} rejects it "
            f"(p = {p_raw:.3g}, Holm-adjusted p = {p_adj:.3g} < {policy.alpha:g})"
        ), "holm"
    return f"{shown}{several}; the {lvl} interval {interval} straddles the threshold, too wide to decide" + _needed_text(
        need_g, need_c
    ), "interval"


def _point(u: _Unit, policy: Policy) -> Verdict:
    check, st, g = u.check, u.st, u.g
    c = st.ref if check.against == "reference" else most_selected(st, check.metric, 1, check.against == "max")
    num, den = st.numerator(check.metric), st.denominator(check.metric)
    point = intervals.compare(check.compare, num[[g]], den[[g]], num[[c]], den[[c]], 0.0)[0][0] if c is not None else np.nan
    common = dict(
        check=check.id,
        rule=check.rule(),
        level=st.level.features,
        group=st.level.groups[g],
        comparator=st.level.groups[c if c is not None else g],
        statistic=Estimate(value=point),
        n_group=int(st.counts[g].sum()),
        n_comparator=int(st.counts[c].sum()) if c is not None else 0,
        p_adjusted=None,
    )
    if u.why_not:
        return Verdict(**common, status="insufficient_evidence", decided_by="size", reason=u.why_not)
    if np.isnan(point):
        return Verdict(
            **common,
            status="insufficient_evidence",
            decided_by="undefined",
            reason=f"{check.metric} {check.compare} is undefined (the comparator's rate is 0)",
        )
    shown = f"{check.compare} {point:.3f}"
    ok = check.holds(float(point))
    return Verdict(
        **common,
        status="pass" if ok else "fail",
        decided_by="point",
        reason=f"{shown} {'satisfies' if ok else 'violates'} the rule (point estimate; the policy declares no error control)",
    )


def _statement(policy: Policy, m: int, n_cmp: int, level: float, tail: float) -> str:
    a = f"{policy.alpha:.0%}" if policy.alpha * 100 == int(policy.alpha * 100) else f"{policy.alpha:g}"
    if policy.multiplicity == "none":
        return (
            f"Each verdict on its own: its interval is a two-sided {level:.0%} interval (one-sided {policy.alpha:g} per bound). "
            f"There are {m} such tests, so several false verdicts are expected on data with no effect."
        )
    return (
        f"The {n_cmp} group comparisons and their rule bounds make one family of m = {m} one-sided tests. Every deciding "
        f"interval is a two-sided {level * 100:.4g}% interval (one-sided {tail:.3g} = {policy.alpha:g}/{m} per bound, "
        f"Bonferroni); fails are also found by Holm's step-down at {policy.alpha:g}. The chance of any false fail in "
        f"this report is at most {a}, and so is the chance of any false pass. Against the highest or lowest group, "
        f"each group is compared with every group of at least the minimum size, all in the family, because which "
        f"group is highest is itself read from the data."
    )


def summarise(verdicts: list[Verdict]) -> VerdictSummary:
    s = [v.status for v in verdicts]
    return VerdictSummary(passed=s.count("pass"), failed=s.count("fail"), insufficient_evidence=s.count("insufficient_evidence"))
