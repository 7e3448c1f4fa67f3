"""Apply a policy's checks to the computed levels: pass / fail / insufficient evidence, each with its reason.

The verdicts are one family (`Policy.multiplicity = "holm"`): every tested group comparison contributes one
one-sided hypothesis per bound of its rule (H0: the rule holds at that bound), m in all. A verdict
- fails when the evidence shows the rule violated: the deciding interval (two-sided, 1 - 2 alpha/m, i.e. one-sided
  alpha/m per bound: Bonferroni) lies wholly beyond a bound, or Holm's step-down over the m one-sided threshold tests
  rejects "the rule holds" at alpha. Both read the same interval (audit/stats/significance.py), so a fail by the interval
  is always a Holm rejection too; the chance of any false fail in the report is at most alpha.
- passes when the deciding interval lies wholly inside the rule (each bound tested one-sided at alpha/m), so the
  chance of any false pass is at most alpha too.
- is insufficient evidence otherwise, with the rows that would decide it at the observed rates.

"Against the highest (lowest) group": which group is highest is itself read from noisy data, so a group is compared
with every group that reaches the minimum size. It fails when its rate falls short of any of them by the rule (then
it falls short of the highest too) and passes only when it clears all of them; every pair is in the family.
The units are found in audit/stats/verdict_units.py and the family decided in audit/stats/verdict_pairs.py.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import numpy as np

from audit.policy import Check, Policy
from audit.result import Estimate, Verdict, VerdictFamily, VerdictSummary
from audit.stats import intervals
from audit.stats.arrays import BoolArray, FloatArray, IntArray
from audit.stats.estimates import LevelStats, most_selected
from audit.stats.verdict_pairs import Block, decide, scale_rows
from audit.stats.verdict_units import Unit, units

Status = Literal["pass", "fail", "insufficient_evidence"]
DecidedBy = Literal["interval", "holm"]


class _Tested(TypedDict):
    """What every verdict of the family states, decided or not."""

    check: str
    rule: str
    level: tuple[str, ...]
    group: dict[str, str]
    n_group: int
    interval_level: float
    family_size: int


class _Pointed(TypedDict):
    """What every verdict on a point estimate states."""

    check: str
    rule: str
    level: tuple[str, ...]
    group: dict[str, str]
    comparator: dict[str, str]
    statistic: Estimate
    n_group: int
    n_comparator: int
    p_adjusted: None


def evaluate(policy: Policy, all_stats: list[LevelStats], min_size: int) -> tuple[list[Verdict], VerdictFamily]:
    if policy.decision == "point":
        return [_point(u, policy) for u in units(policy, all_stats, min_size)], VerdictFamily(
            alpha=policy.alpha,
            multiplicity=policy.multiplicity,
            hypotheses=0,
            comparisons=0,
            interval_level=0.0,
            statement="The policy decides on point estimates alone: no interval, no error control.",
        )
    d = decide(policy, all_stats, min_size)
    blocks = {(id(b.check), id(b.st)): b for b in d.pairs}
    found = [_verdict(u, blocks.get((id(u.check), id(u.st))), d.z, d.level, d.m, policy, min_size) for u in d.units]
    n_cmp = int(sum(len(b.g) for b in d.pairs))
    family = VerdictFamily(
        alpha=policy.alpha,
        multiplicity=policy.multiplicity,
        hypotheses=d.m,
        comparisons=n_cmp,
        interval_level=d.level,
        statement=_statement(policy, d.m, n_cmp, d.level, d.tail),
    )
    return found, family


def _verdict(u: Unit, b: Block | None, z: float, level: float, m: int, policy: Policy, min_size: int) -> Verdict:
    check, st, g = u.check, u.st, u.g
    common = _Tested(
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
    assert b is not None, "a tested unit has its block of pairs"
    idx = np.arange(u.first, u.first + len(u.comparators))
    status: Status
    fail, inside = b.fail[idx], b.inside[idx]
    adj_min = np.min(np.stack([a[idx] for a in b.adj]), axis=0)
    if fail.any():
        status, j = "fail", int(idx[np.flatnonzero(fail)[np.argmin(adj_min[fail])]])
    elif inside.all():
        status, j = "pass", _weakest(b, idx)
    else:
        status, j = "insufficient_evidence", _weakest(b, idx[~inside])
    k = int(np.argmin([a[j] for a in b.adj]))
    p_raw, p_adj = float(b.p[k][j]), float(b.adj[k][j])
    c = int(b.h[j])
    stat = Estimate(value=float(b.point[j]), ci_low=float(b.lo[j]), ci_high=float(b.hi[j]))
    need_g, need_c = _needed(b, idx[~inside]) if status == "insufficient_evidence" else (None, None)
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


def _weakest(b: Block, idx: IntArray) -> int:
    """The pair closest to violating the rule: lowest lower end for a min bound, else highest upper end."""
    if b.low is not None:
        return int(idx[np.argmin(np.nan_to_num(b.lo[idx], nan=-np.inf))])
    return int(idx[np.argmax(np.nan_to_num(b.hi[idx], nan=np.inf))])


def _needed(b: Block, idx: IntArray) -> tuple[int | None, int | None]:
    """Rows for the verdict to be decided at the observed rates: the first violating pair to fail, else every pair
    to pass; the comparator's rows too when the group's alone would never do."""
    k_g, k_b = b.k_g[idx], b.k_b[idx]
    k = np.where(np.isfinite(k_g), k_g, k_b)
    violating = ~_holds(b, b.point[idx])
    pick = int(np.argmin(np.where(violating, k, np.inf))) if violating.any() else int(np.argmax(k))
    st, g, h = b.st, int(b.g[idx[pick]]), int(b.h[idx[pick]])
    if not np.isfinite(k[pick]):
        return None, None
    rows_g, rows_h = int(st.counts[g].sum()), int(st.counts[h].sum())
    if np.isfinite(k_g[pick]):
        return int(np.ceil(k_g[pick] * rows_g)), None
    return int(np.ceil(k_b[pick] * rows_g)), int(np.ceil(k_b[pick] * rows_h))


def _holds(b: Block, value: FloatArray) -> BoolArray:
    ok = np.ones(len(value), dtype=bool)
    if b.low is not None:
        ok &= value >= b.low
    if b.high is not None:
        ok &= value <= b.high
    return ok


def _single(u: Unit, c: int, z: float, min_size: int) -> tuple[Estimate, int | None, int | None]:
    """Statistic and needed rows of an untested unit (too small, or no comparator)."""
    st, check, g = u.st, u.check, u.g
    if c == g:
        return Estimate(value=None), None, None
    num, den = st.numerator(check.metric), st.denominator(check.metric)
    args = (num[[g]], den[[g]], num[[c]], den[[c]])
    point, lo, hi = intervals.compare(check.compare, *args, z)
    stat = Estimate(value=float(point[0]), ci_low=float(lo[0]), ci_high=float(hi[0]))
    rows = st.counts.sum(axis=1)

    def at_least(
        n_rows: int, d: int
    ) -> int | None:  # rows for both the row count and the metric's denominator to reach the minimum
        return int(np.ceil(max(min_size, min_size * n_rows / d))) if d > 0 else None

    need_g, need_c = at_least(int(rows[g]), int(den[g])), None
    if rows[c] < min_size or den[c] < min_size:
        need_c = at_least(int(rows[c]), int(den[c]))
    bounds = dict(check.bounds())
    k_g, _ = scale_rows(check.compare, args, bounds.get("min"), bounds.get("max"), z)
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
    status: Status,
    check: Check,
    stat: Estimate,
    level: float,
    b: Block,
    j: int,
    k: int,
    p_raw: float,
    p_adj: float,
    policy: Policy,
    n_comparators: int,
    need_g: int | None,
    need_c: int | None,
) -> tuple[str, DecidedBy]:
    shown = f"{check.compare} {stat.value:.3f}" if stat.value is not None else f"{check.compare} undefined"
    lo, hi = stat.ci_low, stat.ci_high
    interval = f"[{lo:.3f}, {'+inf' if hi is None else f'{hi:.3f}'}]" if lo is not None else "[undefined]"
    lvl = f"{level * 100:.4g}%"
    several = f" (the least favourable of {n_comparators} comparisons)" if n_comparators > 1 else ""
    if status == "pass":
        return f"{shown}{several}; the whole {lvl} interval {interval} satisfies the rule", "interval"
    if status == "fail":
        side, t = b.bounds[k]
        h0 = f"{check.compare} {'>=' if side == 'min' else '<='} {t:g}"
        if b.outside[j]:
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


def _point(u: Unit, policy: Policy) -> Verdict:
    check, st, g = u.check, u.st, u.g
    c = st.ref if check.against == "reference" else most_selected(st, check.metric, 1, check.against == "max")
    num, den = st.numerator(check.metric), st.denominator(check.metric)
    point = intervals.compare(check.compare, num[[g]], den[[g]], num[[c]], den[[c]], 0.0)[0][0] if c is not None else np.nan
    common = _Pointed(
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
