"""`compare_results`: the change of every group metric and disparity between two runs, checked independently.

Intervals are checked against statsmodels' own rate intervals combined by hand (MOVER), and that hand formula against
statsmodels' Newcombe interval; the disparity intervals against what each run recorded for itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from audit.lifecycle.compare import compare_results
from audit.lifecycle.compare_types import RunInfo
from tests.lifecycle.conftest import lender_frame, spec


def info(run_id: str, r) -> RunInfo:
    s = r.summary
    return RunInfo(
        run_id=run_id,
        result_sha256=r.sha256(),
        recorded_at="2026-01-01T00:00:00Z",
        recorded_by="t",
        data="d.csv",
        data_sha256=r.data.sha256,
        rows=r.data.rows,
        model=None,
        model_sha256=None,
        decision_source=r.decision_source,
        policy=r.spec.policy.name,
        ci_level=r.spec.ci_level,
        passed=s.passed,
        failed=s.failed,
        insufficient_evidence=s.insufficient_evidence,
    )


@pytest.fixture(scope="module")
def comparison(results):
    a, b = results
    return compare_results(a, b, info("run-a", a), info("run-b", b))


def _change(c, metric, group, kind="group", against=None):
    hits = [
        x
        for x in c.changes
        if x.kind == kind and x.metric == metric and x.group == group and (against is None or x.against == against)
    ]
    assert len(hits) == 1, hits
    return hits[0]


def _hand_mover(pa, la, ua, pb, lb, ub):
    d = pb - pa
    return d, d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2), d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)


def test_hand_mover_with_wilson_is_statsmodels_newcombe():
    # The formula the next test uses by hand is Newcombe's when fed Wilson intervals.
    (la, ua), (lb, ub) = proportion_confint(40, 130, method="wilson"), proportion_confint(71, 140, method="wilson")
    _, lo, hi = _hand_mover(40 / 130, la, ua, 71 / 140, lb, ub)
    ref = confint_proportions_2indep(71, 140, 40, 130, method="newcomb", compare="diff")
    assert (lo, hi) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("metric, cells", [("selection_rate", ("fp", "tp")), ("tpr", ("tp",))])
def test_rate_change_interval_is_newcombe_from_the_two_runs_counts(comparison, results, metric, cells):
    a, b = results
    ch = _change(comparison, metric, {"race": "B"})
    ga = next(g for g in a.groups if g.attributes == {"race": "B"})
    gb = next(g for g in b.groups if g.attributes == {"race": "B"})

    def xn(g):
        c = g.counts.model_dump()
        n = g.n if metric == "selection_rate" else c["tp"] + c["fn"]
        return sum(c[k] for k in cells), n

    (xa, na), (xb, nb) = xn(ga), xn(gb)
    la, ua = proportion_confint(xa, na, alpha=0.05, method="agresti_coull")
    lb, ub = proportion_confint(xb, nb, alpha=0.05, method="agresti_coull")
    d, lo, hi = _hand_mover(xa / na, la, ua, xb / nb, lb, ub)
    assert ch.difference.value == pytest.approx(d, abs=1e-12)
    assert (ch.difference.ci_low, ch.difference.ci_high) == pytest.approx((lo, hi), abs=1e-9)
    assert (ch.before.value, ch.after.value) == pytest.approx((xa / na, xb / nb))
    assert (ch.n_before, ch.n_after) == (na, nb)
    assert ch.significant and ch.difference.ci_low > 0  # re-thresholding raised B's rates for real


def test_disparity_before_and_after_are_what_each_run_recorded(comparison, results):
    # Each side's ratio interval is the run's own MOVER-R at the same level: the comparison and the audit agree.
    a, b = results
    ch = _change(comparison, "selection_rate_ratio", {"race": "B"}, kind="disparity", against="reference")
    for side, r in ((ch.before, a), (ch.after, b)):
        d = next(
            x for x in r.disparities if x.metric == "selection_rate" and x.group == {"race": "B"} and x.against == "reference"
        )
        assert (side.value, side.ci_low, side.ci_high) == pytest.approx(
            (d.ratio.value, d.ratio.ci_low, d.ratio.ci_high), abs=1e-12
        )
    d, lo, hi = _hand_mover(
        ch.before.value, ch.before.ci_low, ch.before.ci_high, ch.after.value, ch.after.ci_low, ch.after.ci_high
    )
    assert (ch.difference.value, ch.difference.ci_low, ch.difference.ci_high) == pytest.approx((d, lo, hi))
    assert ch.comparator == {"race": "A"}


def test_flipped_verdicts_and_summary_name_the_rethresholded_group(comparison):
    flips = {(v.check, tuple(v.group.items())): (v.before, v.after) for v in comparison.verdict_changes}
    assert flips[("four_fifths", (("race", "B"),))] == ("fail", "pass")
    sentence = next(s for s in comparison.summary if s.startswith("For race=B,"))
    v = next(v for v in comparison.verdict_changes if v.group == {"race": "B"})
    assert f"rose from {v.statistic_before.value:.3f}" in sentence and f"to {v.statistic_after.value:.3f}" in sentence
    assert "the four_fifths check now passes (it failed)" in sentence
    # Run A's statistic fails the 0.8 rule, run B's passes it: the sentence is about the numbers that decided.
    assert v.statistic_before.value < 0.8 <= v.statistic_after.value


def test_inputs_changed_names_the_decisions_column(comparison):
    fields = {(c.input, c.field): (c.before, c.after) for c in comparison.inputs_changed}
    assert fields[("spec", "predictions_column")] == ("pred", "pred_fixed")
    assert ("data", "sha256") not in fields and ("policy", "sha256") not in fields
    assert comparison.same_data and any("Both runs audited the same rows" in s for s in comparison.summary)


def test_a_run_compared_with_its_rerun_shows_no_change(results, data_file):
    # Property: the same inputs audited twice (a new run, new provenance) give no change anywhere.
    from audit.run import run_audit

    a = results[0]
    again = run_audit(spec(data_file))
    c = compare_results(a, again, info("run-a", a), info("run-a2", again))
    assert c.inputs_changed == () and c.verdict_changes == ()
    assert c.groups_appeared == () and c.groups_vanished == ()
    assert c.changes and all(x.difference.value == 0 and not x.significant for x in c.changes)
    assert "The two runs had the same inputs" in c.summary[1] and "No verdict changed." in c.summary


def test_new_data_policy_and_settings_are_listed_field_by_field(tmp_path, results):
    from audit.run import run_audit

    df = lender_frame(seed=5, groups=("A", "B", "D"))  # group C gone, D new
    path = tmp_path / "later.csv"
    df.drop(columns=["pred"]).to_csv(path, index=False)
    b = run_audit(spec(path, "pred_fixed", policy=_standard(), min_group_size=50))
    a = results[0]
    c = compare_results(a, b, info("run-a", a), info("run-b", b))
    fields = {(x.input, x.field): (x.before, x.after) for x in c.inputs_changed}
    assert fields[("data", "sha256")] == (a.data.sha256, b.data.sha256)
    assert fields[("data", "columns.removed")] == (["pred"], None)
    assert fields[("spec", "min_group_size")] == (30, 50)
    assert ("policy", "sha256") in fields and fields[("policy", "name")] == ("four_fifths", "standard")
    assert {tuple(g.group.items()) for g in c.groups_appeared if g.level == ("race",)} == {(("race", "D"),)}
    assert {tuple(g.group.items()) for g in c.groups_vanished if g.level == ("race",)} == {(("race", "C"),)}
    assert any("vanished in run B: race=C" in s for s in c.summary)
    assert not c.same_data


def _standard():
    from audit.policy import PRESETS

    return PRESETS["standard"]


def test_ci_level_is_the_level_of_every_change(results):
    a, b = results
    c90 = compare_results(a, b, info("a", a), info("b", b), ci_level=0.90)
    c99 = compare_results(a, b, info("a", a), info("b", b), ci_level=0.99)
    for x90, x99 in zip(c90.changes, c99.changes, strict=True):
        assert x90.difference.value == x99.difference.value
        if x90.difference.ci_low is not None and x99.difference.ci_low is not None and np.isfinite(x90.difference.ci_low):
            assert x99.difference.ci_low <= x90.difference.ci_low + 1e-12


def test_a_small_change_is_named_but_not_called_real(results, data_file):
    from audit.run import run_audit

    a = results[0]
    b = run_audit(spec(data_file, "pred_tweak"))
    c = compare_results(a, b, info("run-a", a), info("run-b", b))
    assert not any(x.significant for x in c.changes if x.kind == "group")
    assert "No group metric changed beyond its 95% interval." in c.summary
    largest = next(s for s in c.summary if s.startswith("The largest change:"))
    sel = _change(c, "selection_rate", {"race": "A"})
    assert sel.after.value - sel.before.value == pytest.approx(15 / sel.n_before)
    sized = [x for x in c.changes if x.kind == "group" and min(x.n_before, x.n_after) >= 30 and x.difference.value]
    top = max(sized, key=lambda x: abs(x.difference.value or 0.0))  # `sized` keeps only defined differences
    group = " & ".join(f"{k}={v}" for k, v in top.group.items())
    assert largest.startswith(f"The largest change: {top.metric.replace('_', ' ')} of {group} ")
    assert "race=A" in group  # only group A's decisions changed
    assert "Both runs audited the same rows" in c.summary[-1]
