"""Apply a policy's checks to the computed levels: pass / fail / insufficient evidence, each with its reason."""
from __future__ import annotations

import numpy as np

from audit.fairness import LevelStats, compare_many, most_selected, test_many
from audit.metrics import DENOMINATOR_NAMES
from audit.policy import Check, Policy
from audit.result import Estimate, Verdict, VerdictSummary
from audit.significance import holm


def _applies(check: Check, st: LevelStats) -> bool:
    n = len(st.level.features)
    return check.levels == "all" or (check.levels == "features") == (n == 1)


def evaluate(policy: Policy, all_stats: list[LevelStats], ci: float, min_size: int) -> list[Verdict]:
    pending: list[dict] = []
    for check in policy.checks:
        for st in all_stats:
            if not _applies(check, st) or len(st.level.groups) < 2:
                continue
            c = st.ref if check.against == "reference" else most_selected(st, check.metric, min_size, check.against == "max")
            if c is None:
                continue
            sizes = st.counts.sum(axis=1)
            gs = [g for g in range(len(st.level.groups)) if g != c and sizes[g] > 0]
            if gs:
                pending += _many(check, st, gs, c, ci, min_size)
    adjusted = holm([np.nan if v["p"] is None else v["p"] for v in pending])
    return [_decide(v, p_adj, policy) for v, p_adj in zip(pending, adjusted)]


def _many(check: Check, st: LevelStats, gs: list[int], c: int, ci: float, min_size: int) -> list[dict]:
    """The statistic, test and denominators of each group in `gs` against comparator `c`."""
    diffs, ratios = compare_many(st, check.metric, gs, c, ci)
    ps, _ = test_many(st, check.metric, gs, c)
    den = st.denominator(check.metric)
    return [dict(check=check, st=st, g=g, c=c, stat=ratio if check.compare == "ratio" else diff,
                 den_g=int(den[g]), den_c=int(den[c]), p=None if np.isnan(p) else p, min_size=min_size)
            for g, diff, ratio, p in zip(gs, diffs, ratios, ps.tolist())]


def _decide(v: dict, p_adj: float, policy: Policy) -> Verdict:
    check: Check = v["check"]
    st: LevelStats = v["st"]
    stat: Estimate = v["stat"]
    n_g, n_c = int(st.counts[v["g"]].sum()), int(st.counts[v["c"]].sum())
    p_adj_v = None if np.isnan(p_adj) else float(p_adj)
    status, reason = _status(check, stat, v, n_g, n_c, p_adj_v, policy)
    return Verdict(check=check.id, rule=check.rule(), level=st.level.features, group=st.level.groups[v["g"]],
                   comparator=st.level.groups[v["c"]], statistic=stat, n_group=n_g, n_comparator=n_c,
                   p_adjusted=p_adj_v, status=status, reason=reason)


def _status(check: Check, stat: Estimate, v: dict, n_g: int, n_c: int, p_adj: float | None, policy: Policy) -> tuple[str, str]:
    min_size = v["min_size"]
    what = DENOMINATOR_NAMES[check.metric]
    for who, n, den in (("group", n_g, v["den_g"]), ("comparator", n_c, v["den_c"])):
        if n < min_size:
            return "insufficient_evidence", f"the {who} has {n} rows, below the minimum group size {min_size}"
        if den < min_size:
            return "insufficient_evidence", f"the {who} has {den} {what}, below the minimum {min_size} needed to estimate {check.metric}"
    if stat.value is None:
        return "insufficient_evidence", f"{check.metric} {check.compare} is undefined (the comparator's rate is 0)"
    holds = check.holds(stat.value)
    shown = f"{check.compare} {stat.value:.3f}"
    if policy.decision == "point":
        return ("pass", f"{shown} satisfies the rule") if holds else ("fail", f"{shown} violates the rule")
    if stat.ci_low is None or stat.ci_high is None:
        return "insufficient_evidence", f"{shown} has no confidence interval (bootstrap disabled)"
    interval = f"[{stat.ci_low:.3f}, {stat.ci_high:.3f}]"
    if check.holds(stat.ci_low) and check.holds(stat.ci_high):
        return "pass", f"{shown}; the whole interval {interval} satisfies the rule"
    if _entirely_outside(check, stat.ci_low, stat.ci_high):
        return "fail", f"{shown}; the whole interval {interval} violates the rule"
    if not holds and p_adj is not None and p_adj < policy.alpha:
        return "fail", f"{shown} violates the rule and the difference is significant (Holm-adjusted p = {p_adj:.3g} < {policy.alpha:g})"
    return "insufficient_evidence", f"{shown}; the interval {interval} straddles the threshold, too wide to decide"


def _entirely_outside(check: Check, lo: float, hi: float) -> bool:
    below = check.min is not None and hi < check.min
    above = check.max is not None and lo > check.max
    return below or above


def summarise(verdicts: list[Verdict]) -> VerdictSummary:
    s = [v.status for v in verdicts]
    return VerdictSummary(passed=s.count("pass"), failed=s.count("fail"), insufficient_evidence=s.count("insufficient_evidence"))
