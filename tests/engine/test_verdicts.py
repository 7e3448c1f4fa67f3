"""Verdict rules on constructed counts: pass, fail and insufficient evidence, each for the stated reason."""
from __future__ import annotations

import numpy as np
import pandas as pd

from audit import fairness, verdicts
from audit.bootstrap import resample_counts
from audit.groups import build_index
from audit.metrics import confusion_counts
from audit.policy import PRESETS, Policy, resolve_policy


def _stats(groups: dict[str, tuple[int, int]], seed: int = 0):
    """groups: name -> (n, selected). Outcomes are half positive so every rate is defined."""
    sens, y, p = [], [], []
    for name, (n, sel) in groups.items():
        sens += [name] * n
        y += [1, 0] * (n // 2) + [1] * (n % 2)
        p += [1] * sel + [0] * (n - sel)
    df = pd.DataFrame({"g": sens})
    index = build_index(df, ("g",))
    counts = confusion_counts(index.cell_of_row, np.array(y), np.array(p), index.n_cells)
    boot = resample_counts(counts, 1000, np.random.default_rng(seed))
    return [fairness.level_stats(lv, index.n_cells, counts, boot, {}) for lv in index.levels]


def _by_group(vs):
    return {v.group["g"]: v for v in vs}


def test_four_fifths_fail_pass_and_small_group():
    stats = _stats({"A": (2000, 1000), "B": (2000, 980), "C": (2000, 500), "D": (10, 2)})
    vs = _by_group(verdicts.evaluate(PRESETS["four_fifths"], stats, 0.95, 30))
    assert set(vs) == {"B", "C", "D"}  # A is the most-selected comparator
    assert vs["B"].status == "pass" and vs["B"].comparator == {"g": "A"}
    assert vs["C"].status == "fail" and abs(vs["C"].statistic.value - 0.5) < 1e-12
    assert vs["D"].status == "insufficient_evidence" and "10 rows" in vs["D"].reason


def test_straddling_interval_is_not_a_pass():
    # 0.8 ratio point estimate with n = 100: the interval straddles 0.8 -> insufficient evidence, never pass.
    stats = _stats({"A": (100, 50), "B": (100, 41)})
    (v,) = verdicts.evaluate(PRESETS["four_fifths"], stats, 0.95, 30)
    assert v.statistic.ci_low < 0.8 < v.statistic.ci_high
    assert v.status == "insufficient_evidence" and "straddles" in v.reason


def test_point_decision_mode():
    stats = _stats({"A": (100, 50), "B": (100, 41)})
    policy = Policy(name="p", checks=PRESETS["four_fifths"].checks, decision="point")
    (v,) = verdicts.evaluate(policy, stats, 0.95, 30)
    assert v.status == "pass"  # 0.82 >= 0.8 on the point estimate alone


def test_policy_file(tmp_path):
    f = tmp_path / "lending.toml"
    f.write_text('name = "Lending"\n[[checks]]\nid = "tpr_gap"\nmetric = "tpr"\ncompare = "difference"\nmin = -0.05\nmax = 0.05\n')
    pol = resolve_policy(str(f))
    assert pol.name == "Lending" and pol.checks[0].rule() == "-0.05 <= tpr difference vs the reference group <= 0.05"
    assert [c.id for c in resolve_policy("four_fifths,equalized_odds").checks] == ["four_fifths", "equal_opportunity_tpr", "equalized_odds_fpr"]


def test_summary_sentence_never_claims_fairness():
    stats = _stats({"A": (2000, 1000), "C": (2000, 500), "D": (10, 2)})
    s = verdicts.summarise(verdicts.evaluate(PRESETS["four_fifths"], stats, 0.95, 30))
    assert s.sentence() == "1 check failed, 1 lacked evidence (of 2 group comparisons)."
    assert "fair" not in s.sentence()
