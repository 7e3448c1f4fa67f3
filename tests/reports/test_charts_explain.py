"""The explanation charts hold what the result says and draw it: the stored row sample against linear SHAP's closed
form, waterfalls that add up to the model's output and put the threshold where the decisions change, beeswarm and
dependence points that are the sample's values, per-group bars that are the groups' figures."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from reports import charts
from tests.reports.charts_helpers import Audited, demo_audited, linear_result


@pytest.fixture(scope="module")
def linear(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    return linear_result(str(tmp_path_factory.mktemp("linear")))


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Audited:
    return demo_audited(demo_dir)


# -- the row sample in the result ------------------------------------------------------------------------------------------
def test_row_sample_is_linear_shaps_closed_form(linear: Audited) -> None:
    """Exact linear SHAP is coef x (x - mean of the evaluation data): every stored value is that, to its rounding."""
    r, df, model = linear.result, linear.data, linear.model
    rs = r.explanations.row_sample
    X = df[["income", "debt", "tenure"]]
    coef = dict(zip(X.columns, model.coef_[0], strict=True))
    assert {f.feature for f in rs.features} == set(X.columns)
    rows = np.asarray(rs.rows)
    for f in rs.features:
        expected = coef[f.feature] * (X[f.feature].to_numpy()[rows] - X[f.feature].mean())
        np.testing.assert_allclose(f.shap, expected, rtol=5.1e-5, atol=1e-9)  # stored to 5 significant digits
        assert list(f.values) == pytest.approx(X[f.feature].to_numpy()[rows].tolist(), rel=1e-6)
    # ordered by global importance, as the result's own figures
    assert [f.feature for f in rs.features] == [g.feature for g in r.explanations.global_][: len(rs.features)]


def test_row_sample_is_bounded_and_stratified(linear: Audited) -> None:
    r, df = linear.result, linear.data
    rs = r.explanations.row_sample
    assert len(rs.rows) == len(set(rs.rows)) == 250 <= r.explanations.sample_size
    cells = [dict(c) for c in rs.cells]
    assert len(cells) == 6 and all(set(c) == {"region", "gender"} for c in cells)
    counts = Counter(rs.cell)
    for i, c in enumerate(cells):
        in_cell = (df.region == c["region"]) & (df.gender == c["gender"])
        assert rs.cell_rows[i] == int(in_cell.sum())
        members = [row for row, k in zip(rs.rows, rs.cell, strict=True) if k == i]
        assert in_cell.to_numpy()[members].all()  # every row is in the cell it is filed under
        assert counts[i] >= min(10, rs.cell_rows[i])
    # the budget is shared by size: the largest cell (North) gets more rows than the smallest (East)
    north = [i for i, c in enumerate(cells) if c["region"] == "North"]
    east = [i for i, c in enumerate(cells) if c["region"] == "East"]
    assert min(counts[i] for i in north) > max(counts[i] for i in east)
    assert "stratified" in rs.sampling and "over-represented" in rs.sampling


def test_allocation_gives_small_groups_a_floor_then_shares_by_size() -> None:
    """Hand-worked: 100 rows over cells of 5, 200 and 800 rows (all explained but the big ones capped at 100 / 400): the
    small cell keeps all 5, the others 10 each, and the 75 left go 1:4 by size (15 and 60)."""
    from audit.explain.aggregate import _allocate

    assert _allocate([5, 100, 400], [5, 200, 800], 100) == [5, 25, 70]
    assert _allocate([5, 7], [5, 7], 100) == [5, 7]  # fewer rows than the budget: all of them
    assert _allocate([3] * 5, [10, 20, 30, 40, 50], 3) == [0, 0, 1, 1, 1]  # more cells than rows: the largest cells


def test_row_sample_survives_json(linear: Audited) -> None:
    from audit.result import AuditResult

    r = linear.result
    back = AuditResult.from_json(r.to_json())
    assert back.explanations.row_sample == r.explanations.row_sample


def test_a_result_without_a_sample_says_so(linear: Audited) -> None:
    from reports.sections.xai import _beeswarm

    ex = linear.result.explanations.model_copy(update={"row_sample": None})
    old = linear.result.model_copy(update={"explanations": ex})
    with pytest.raises(ValueError, match="no per-row explanation sample"):
        charts.BeeswarmDisplay.from_result(old)
    with pytest.raises(ValueError, match="no per-row explanation sample"):
        charts.DependenceDisplay.from_result(old, "income")
    assert _beeswarm(SimpleNamespace(result=old)) == []  # the report leaves the figure out, without failing


# -- waterfall -------------------------------------------------------------------------------------------------------------
def test_waterfall_adds_up_to_the_output(demo: Audited) -> None:
    r = demo.result
    ex = r.explanations
    tol = (ex.additivity_max_error or 0) + 1e-9
    for i, e in enumerate(ex.local):
        d = charts.WaterfallDisplay.from_result(r, i)
        assert d.base == e.base_value and d.output == e.output
        assert d.base + sum(d.contributions) == pytest.approx(e.output, abs=tol)
        assert len(d.contributions) == min(len(e.contributions), charts.waterfall.TOP_STEPS + 1)
        shown = sorted(e.contributions.values(), key=abs, reverse=True)[: charts.waterfall.TOP_STEPS]
        assert list(d.contributions[: len(shown)]) == shown
        if len(e.contributions) > charts.waterfall.TOP_STEPS:
            assert d.contributions[-1] == pytest.approx(sum(e.contributions.values()) - sum(shown))


def test_threshold_separates_the_decisions(demo: Audited, linear: Audited) -> None:
    """Drawn in the explained space, the threshold falls exactly where the model's decisions change."""
    for audited in (demo, linear):
        r = audited.result
        thr, how = charts.decision_threshold(r)
        assert thr == pytest.approx(0.0) and "log-odds" in how  # both explain log-odds; predict decides at 0.5
        for e in r.explanations.local:
            assert (e.output > thr) == e.decision or abs(e.output - thr) < 1e-9
    declared = linear.result.model_copy(update={"spec": linear.result.spec.model_copy(update={"threshold": 0.3})})
    assert charts.decision_threshold(declared)[0] == pytest.approx(math.log(0.3 / 0.7))
    ex = linear.result.explanations.model_copy(update={"output_space": "probability of the favourable class"})
    prob = declared.model_copy(update={"explanations": ex})
    assert charts.decision_threshold(prob)[0] == 0.3
    ex = linear.result.explanations.model_copy(update={"output_space": "decision function of the favourable class (margin)"})
    margin = declared.model_copy(update={"explanations": ex})
    assert charts.decision_threshold(margin)[0] is None  # a score threshold has no place on an unknown margin
    assert charts.WaterfallDisplay.from_result(margin, 0).threshold is None
    undeclared = margin.model_copy(update={"spec": linear.result.spec})
    assert charts.decision_threshold(undeclared)[0] == 0.0  # predict() on a margin decides at 0


def test_waterfall_draws_its_steps(demo: Audited) -> None:
    from matplotlib.figure import Figure

    d = charts.WaterfallDisplay.from_result(demo.result, charts.first_adverse(demo.result))
    ax = Figure().subplots()
    d.plot(ax)
    assert d.ax_ is ax and len(d.bars_) == len(d.contributions)
    starts = d.starts()
    for bar, c, s in zip(d.bars_, d.contributions, starts, strict=True):
        assert bar.get_width() == pytest.approx(c) and bar.get_x() == pytest.approx(s)
    top = d.bars_[0]
    assert top.get_x() + top.get_width() == pytest.approx(d.base + sum(d.contributions))
    assert d.threshold_line_.get_xdata()[0] == pytest.approx(d.threshold)
    assert d.base_line_.get_xdata()[0] == d.base and d.output_line_.get_xdata()[0] == d.output
    assert {p.get_facecolor()[:3] for p, c in zip(d.bars_, d.contributions, strict=True) if c > 0} <= {
        tuple(int(charts.style.VERMILLION[i : i + 2], 16) / 255 for i in (1, 3, 5))
    }


def test_a_decision_that_is_not_there_is_refused(demo: Audited) -> None:
    n = len(demo.result.explanations.local)
    with pytest.raises(ValueError, match=f"There are {n} local explanations; {n} is not one of them"):
        charts.WaterfallDisplay.from_result(demo.result, n)
    with pytest.raises(ValueError, match="not one of them"):
        charts.WaterfallDisplay.from_result(demo.result, -1)


def test_first_adverse_is_an_adverse_decision(demo: Audited) -> None:
    i = charts.first_adverse(demo.result)
    e = demo.result.explanations.local[i]
    assert not e.decision and e.kind == "borderline"


# -- beeswarm, dependence, per-group importance ----------------------------------------------------------------------------
def test_beeswarm_points_are_the_sample(demo: Audited) -> None:
    from matplotlib.figure import Figure

    r = demo.result
    rs = r.explanations.row_sample
    d = charts.BeeswarmDisplay.from_result(r)
    assert d.features == tuple(f.feature for f in rs.features[: charts.beeswarm.TOP_FEATURES])
    (panel,) = d.panels
    for j, f in enumerate(rs.features[: len(d.features)]):
        assert panel.x[j] == f.shap
        assert all(abs(dy) <= 0.4 + 1e-12 for dy in panel.dy[j])
    ax = Figure().subplots()
    d.plot(ax)
    drawn = len(d.dots_.get_offsets()) + (len(d.grey_.get_offsets()) if d.grey_ is not None else 0)
    assert drawn == len(rs.rows) * len(d.features)
    # coloured by the feature's value: the highest value of a numeric feature gets the top of the scale
    f = rs.features[0]
    top = max(range(len(f.values)), key=lambda i: f.values[i])
    assert panel.colour[0][top] == 1.0


def test_beeswarm_by_group_splits_the_sample(demo: Audited) -> None:
    r = demo.result
    rs = r.explanations.row_sample
    d = charts.BeeswarmDisplay.from_result(r, "race")
    by = Counter(rs.cells[c]["race"] for c in rs.cell)
    assert [p.label for p in d.panels] == [f"race = {k}" for k in ("White", "Black", "Hispanic")]
    assert [p.n for p in d.panels] == [by[k] for k in ("White", "Black", "Hispanic")]
    with pytest.raises(ValueError, match="not split by"):
        charts.BeeswarmDisplay.from_result(r, "income")


def test_dependence_points_are_the_sample(demo: Audited) -> None:
    r = demo.result
    rs = r.explanations.row_sample
    f = rs.features[0]
    d = charts.DependenceDisplay.from_result(r, f.feature, "sex")
    pairs = sorted((x, y) for s in d.series for x, y in zip(s.x, s.y, strict=True))
    kept = [(float(v), s) for v, s in zip(f.values, f.shap, strict=True) if v is not None]
    if d.xlim is not None:  # far values are drawn at the axis edge
        kept = [(min(max(v, d.xlim[0]), d.xlim[1]), s) for v, s in kept]
    assert pairs == sorted(kept)
    sizes = {s.label: len(s.x) for s in d.series}
    by = Counter(rs.cells[c]["sex"] for c, v in zip(rs.cell, f.values, strict=True) if v is not None)
    assert sizes == {f"sex = {k}": n for k, n in by.items()}
    with pytest.raises(ValueError, match="not among"):
        charts.DependenceDisplay.from_result(r, "no_such_feature")


def test_dependence_of_a_categorical_feature(linear: Audited) -> None:
    """A string feature is placed by category; here the audited data's region is not a model input, so build one."""
    r = linear.result
    rs = r.explanations.row_sample
    f = rs.features[0]
    cat = f.model_copy(update={"values": tuple("high" if v > 50 else "low" for v in f.values)})
    ex = r.explanations.model_copy(update={"row_sample": rs.model_copy(update={"features": (cat, *rs.features[1:])})})
    d = charts.DependenceDisplay.from_result(r.model_copy(update={"explanations": ex}), f.feature, "region")
    assert set(d.categories) == {"high", "low"}
    for s in d.series:
        assert all(-0.31 <= x - round(x) <= 0.31 for x in s.x)


def test_group_importance_is_the_groups_figures(demo: Audited) -> None:
    r = demo.result
    d = charts.GroupImportanceDisplay.from_result(r, "race")
    groups = {g.attributes["race"]: g for g in r.explanations.by_group if list(g.attributes) == ["race"]}
    order = [f.feature for f in sorted(r.explanations.global_, key=lambda f: -f.value)[:10]]
    assert len(d.panels) == len(groups)
    for panel in d.panels:
        g = groups[panel.title.split(" (")[0]]
        by = {f.feature: f for f in g.features}
        assert panel.features == tuple(order)
        assert panel.values == tuple(by[f].value for f in order)
        assert panel.lows == tuple(by[f].ci_low for f in order)
    glob = charts.ImportanceDisplay.from_result(r)
    assert glob.values == tuple(f.value for f in sorted(r.explanations.global_, key=lambda f: -f.value)[:12])
