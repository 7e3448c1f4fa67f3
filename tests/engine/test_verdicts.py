"""Verdict rules on constructed counts: pass, fail and insufficient evidence, each for the stated reason, through the
production path (level statistics -> verdicts.evaluate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.policy import PRESETS, Check, Policy, resolve_policy
from audit.stats import estimates, verdicts
from audit.stats.cells import build_index


def _level(groups: dict[str, tuple[int, int, int, int]]):
    """A one-feature level from per-group confusion counts (tn, fp, fn, tp)."""
    df = pd.DataFrame({"g": list(groups)})
    index = build_index(df, ("g",))
    counts = np.zeros((index.n_cells, 4), dtype=np.int64)
    for cell, c in zip(index.cell_of_row, groups.values(), strict=True):  # one row per group
        counts[cell] = c
    return [estimates.level_stats(lv, index.n_cells, counts, {}, 200, np.random.default_rng(0)) for lv in index.levels]


def _selected(groups: dict[str, tuple[int, int]]):
    """groups: name -> (rows, selected); outcomes half positive, selections spread evenly over them."""
    out = {}
    for name, (n, sel) in groups.items():
        pos = n // 2
        tp = sel // 2
        fp = sel - tp
        out[name] = (n - pos - fp, fp, pos - tp, tp)
    return _level(out)


def _run(policy, stats, min_size=30):
    found, family = verdicts.evaluate(policy, stats, min_size)
    return {v.group["g"]: v for v in found}, family


def _policy(*checks: Check, **kw) -> Policy:
    return Policy(name="t", checks=checks, **kw)


def test_four_fifths_fail_pass_and_small_group():
    vs, family = _run(PRESETS["four_fifths"], _selected({"A": (2000, 1000), "B": (2000, 980), "C": (2000, 500), "D": (10, 2)}))
    assert set(vs) == {"A", "B", "C", "D"}  # the top group is not known in advance: it gets a verdict too
    assert vs["A"].status == "pass" and vs["B"].status == "pass"
    assert vs["C"].status == "fail" and vs["C"].comparator == {"g": "A"} and vs["C"].statistic.value == pytest.approx(0.5)
    assert vs["D"].status == "insufficient_evidence" and "10 rows" in vs["D"].reason and vs["D"].needed_n_group >= 30
    # A, B, C each against the two other eligible groups: 6 one-sided tests
    assert family.hypotheses == 6 and vs["C"].family_size == 6
    assert vs["C"].interval_level == pytest.approx(1 - 2 * 0.05 / 6)


def test_zero_count_ratio_is_insufficient_with_a_wide_interval():
    """The issue's case: A 500 rows / 25 selected, B 40 / 0. B's rate could be up to ~0.09, so the ratio could be
    well above 1; a bootstrap gave the interval [0, 0] and a FAIL."""
    vs, _ = _run(PRESETS["four_fifths"], _selected({"A": (500, 25), "B": (40, 0)}))
    b = vs["B"]
    assert b.status == "insufficient_evidence"
    assert b.statistic.value == 0 and b.statistic.ci_low == 0 and b.statistic.ci_high > 1.5
    assert b.needed_n_group is not None and b.needed_n_group > 40


def test_perfect_tpr_in_a_small_group_is_insufficient():
    """The issue's case: 34 of 34 positives approved vs a large reference with TPR 0.978, rule |TPR gap| <= 0.05.
    The bootstrap interval [0.012, 0.033] passed it; 34 positives cannot show a gap under 0.05."""
    tpr = Check(id="tpr_gap", metric="tpr", compare="difference", min=-0.05, max=0.05)
    stats = _level({"ref": (1900, 100, 44, 1956), "small": (30, 4, 0, 34)})  # reference is the largest group
    vs, family = _run(_policy(tpr), stats)
    v = vs["small"]
    assert v.statistic.value == pytest.approx(1 - 0.978)
    assert v.status == "insufficient_evidence" and v.statistic.ci_low < -0.05
    assert family.hypotheses == 2  # one comparison, two bounds
    assert v.needed_n_group > 68


def test_ratio_0790_straddling_the_threshold_is_not_failed():
    """The issue's case: ratio 0.790 with an interval around [0.74, 0.84]: equal rates are rejected (p ~ 1e-23) but
    the evidence that the ratio is below 0.8 is weak, so the verdict is insufficient evidence, not fail."""
    vs, _ = _run(PRESETS["four_fifths"], _selected({"A": (4000, 2000), "B": (4000, 1580)}))
    b = vs["B"]
    assert b.statistic.value == pytest.approx(0.79)
    assert b.statistic.ci_low < 0.8 < b.statistic.ci_high
    assert b.status == "insufficient_evidence" and b.p_value > 0.1
    assert "straddles" in b.reason and b.needed_n_group > 4000


def test_significance_route_uses_holm_against_the_threshold():
    """Four groups against a declared reference (rate 0.5) under ratio >= 0.8; one-sided p of "ratio < 0.8" about
    0.008, 0.013, 0.022 and 0.16. Bonferroni's interval (tail 0.05/4) excludes 0.8 only for B; Holm's step-down also
    rejects for C (3 x 0.013) and D (2 x 0.022); E stays undecided."""
    check = Check(id="ratio", metric="selection_rate", compare="ratio", min=0.8)
    stats = _selected({"A": (10000, 5000), "B": (400, 136), "C": (400, 138), "D": (400, 140), "E": (400, 150)})
    vs, family = _run(_policy(check), stats)
    assert family.hypotheses == 4
    assert vs["B"].status == "fail" and vs["B"].decided_by == "interval" and vs["B"].statistic.ci_high < 0.8
    for g in "CD":
        assert vs[g].status == "fail" and vs[g].decided_by == "holm", vs[g].reason
        assert vs[g].statistic.ci_high > 0.8 and vs[g].p_adjusted < 0.05 and "Holm" in vs[g].reason
    assert vs["C"].p_adjusted == pytest.approx(3 * vs["C"].p_value) and vs["D"].p_adjusted == pytest.approx(2 * vs["D"].p_value)
    assert vs["E"].status == "insufficient_evidence" and vs["E"].p_adjusted > 0.05
    # without family-wise control each stands alone at one-sided 0.05: E (p 0.16) is still undecided
    alone, _ = _run(_policy(check, multiplicity="none"), stats)
    assert [alone[g].status for g in "BCDE"] == ["fail", "fail", "fail", "insufficient_evidence"]
    assert alone["E"].interval_level == pytest.approx(0.9)


def test_upper_bound_of_a_check_is_tested():
    """Rule -0.05 <= TPR gap <= 0.05: a group 0.10 above the reference violates the upper bound."""
    tpr = Check(id="tpr_gap", metric="tpr", compare="difference", min=-0.05, max=0.05)
    stats = _level(
        {"ref": (2500, 500, 1000, 4000), "hi": (800, 200, 100, 900), "same": (2000, 400, 801, 3199), "edge": (800, 200, 155, 845)}
    )
    vs, family = _run(_policy(tpr), stats)
    assert vs["hi"].statistic.value == pytest.approx(0.9 - 0.8)
    assert vs["hi"].status == "fail" and vs["hi"].statistic.ci_low > 0.05 and "<= 0.05" in vs["hi"].reason
    assert vs["same"].status == "pass" and -0.05 <= vs["same"].statistic.ci_low <= vs["same"].statistic.ci_high <= 0.05
    # 0.045 above the reference: clear of the lower bound, straddling the upper one -> not a pass
    assert vs["edge"].statistic.ci_low > -0.05 and vs["edge"].statistic.ci_high > 0.05
    assert vs["edge"].status == "insufficient_evidence" and vs["edge"].needed_n_group > 1000
    assert family.hypotheses == 6


def test_lowest_group_comparator_with_an_upper_bound():
    """FPR ratio to the lowest group at most 1.25: a group with twice the lowest FPR fails; similar ones pass."""
    check = Check(id="fpr_ratio", metric="fpr", compare="ratio", against="min", max=1.25)
    stats = _level({"a": (4500, 500, 0, 5000), "b": (4480, 520, 0, 5000), "c": (4000, 1000, 0, 5000)})
    vs, _ = _run(_policy(check), stats)
    assert vs["c"].status == "fail" and vs["c"].statistic.value == pytest.approx(2.0, rel=0.05)
    assert vs["a"].status == "pass" and vs["b"].status == "pass"


def test_extreme_comparators_take_one_kind_of_bound():
    with pytest.raises(ValueError, match="min bound only"):
        Check(id="x", metric="selection_rate", compare="ratio", against="max", min=0.8, max=1.0)
    with pytest.raises(ValueError, match="max bound only"):
        Check(id="x", metric="fpr", compare="ratio", against="min", min=0.8)


def test_point_decision_mode():
    stats = _selected({"A": (100, 50), "B": (100, 41)})
    policy = Policy(name="p", checks=PRESETS["four_fifths"].checks, decision="point")
    vs, family = _run(policy, stats)
    assert vs["B"].status == "pass" and vs["B"].decided_by == "point"  # 0.82 >= 0.8 on the point estimate alone
    assert family.hypotheses == 0 and "no error control" in family.statement


def test_family_statement_names_m_and_the_level():
    _, family = _run(PRESETS["four_fifths"], _selected({"A": (2000, 1000), "B": (2000, 980), "C": (2000, 500)}))
    assert f"m = {family.hypotheses}" in family.statement and "at most 5%" in family.statement
    assert "every group of at least the minimum size" in family.statement


def test_policy_file(tmp_path):
    f = tmp_path / "lending.toml"
    f.write_text(
        'name = "Lending"\npositive_label = 0\nalpha = 0.01\n[outcome]\nfavourable = "assessed as low risk"\n'
        '[[checks]]\nid = "tpr_gap"\nmetric = "tpr"\ncompare = "difference"\nmin = -0.05\nmax = 0.05\n'
    )
    pol = resolve_policy(str(f))
    assert pol.name == "Lending" and pol.checks[0].rule() == "-0.05 <= tpr difference vs the reference group <= 0.05"
    assert pol.positive_label == "0" and pol.alpha == 0.01 and pol.outcome.favourable == "assessed as low risk"
    assert [c.id for c in resolve_policy("four_fifths,equalized_odds").checks] == [
        "four_fifths",
        "equal_opportunity_tpr",
        "equalized_odds_fpr",
    ]


def test_summary_sentence_never_claims_fairness():
    stats = _selected({"A": (2000, 1000), "C": (2000, 500), "D": (10, 2)})
    found, _ = verdicts.evaluate(PRESETS["four_fifths"], stats, 30)
    s = verdicts.summarise(found)
    assert s.sentence() == "1 check failed, 1 lacked evidence, 1 passed (of 3 group comparisons)."
    assert "fair" not in s.sentence()
