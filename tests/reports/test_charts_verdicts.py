"""The verdict charts hold the verdicts: the forest plot's intervals and thresholds are the result's and the policy's,
it tolerates verdicts that carry more fields, and the rates and overview charts mark each group by its verdict."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from audit.result import AuditResult
from reports import charts
from reports import format as F


def _rows(d):
    return [r for p in d.panels for r in p.rows if not r.header]


def test_forest_rows_are_the_verdicts(small_result: AuditResult) -> None:
    r = small_result
    d = charts.VerdictForestDisplay.from_result(r, max_rows=None)
    assert d.total == d.shown == len(r.verdicts)
    rows = _rows(d)
    want = sorted(
        (F.group(v.group, values_only=True), v.statistic.value, v.statistic.ci_low, v.statistic.ci_high, v.status)
        for v in r.verdicts
    )
    got = sorted((row.label.replace("\n", " "), row.value, row.ci_low, row.ci_high, row.status) for row in rows)
    assert [(g[1:]) for g in got] == [(w[1:]) for w in want]
    checks = {c.id: c for c in r.spec.policy.checks}
    for p in d.panels:
        c = checks[p.check]
        assert p.bounds == tuple(b for b in (c.min, c.max) if b is not None)
        assert p.null == (1.0 if c.compare == "ratio" else 0.0)
        headers = [row.label for row in p.rows if row.header]
        assert all(" vs " in h for h in headers)


def test_forest_filters_and_caps(small_result: AuditResult) -> None:
    r = small_result
    bad = [v for v in r.verdicts if v.status != "pass"]
    d = charts.VerdictForestDisplay.from_result(r, ("fail", "insufficient_evidence"), max_rows=3)
    assert d.total == len(bad) and d.shown == min(3, len(bad))
    order = {"fail": 0, "insufficient_evidence": 1}
    worst = sorted(order[v.status] for v in bad)[:3]
    assert sorted(order[row.status] for row in _rows(d)) == worst  # failures are kept first
    with charts.themed("light"):
        fig = d.figure()
    assert f"{d.shown} of {d.total} shown" in fig._suptitle.get_text()


def test_forest_draws_the_intervals_and_thresholds(small_result: AuditResult) -> None:
    from matplotlib.figure import Figure

    d = charts.VerdictForestDisplay.from_result(small_result, max_rows=None)
    fig = Figure()
    axes = list(fig.subplots(len(d.panels), 1, squeeze=False)[:, 0])
    d.plot(axes)
    drawn = [seg for coll in d.errorbars_ for seg in coll.get_segments()]
    lo_hi = sorted((round(float(s[0][0]), 9), round(float(s[1][0]), 9)) for s in drawn)
    expected = []
    for p in d.panels:
        lo, hi = p.xlim()
        expected += [
            (round(max(min(r.ci_low, hi), lo), 9), round(max(min(r.ci_high, hi), lo), 9))
            for r in p.rows
            if not r.header and r.value is not None and r.ci_low is not None and r.ci_high is not None
        ]
    assert lo_hi == sorted(expected)
    xs = sorted(line.get_xdata()[0] for line in d.threshold_lines_)
    assert xs == sorted(b for p in d.panels for b in p.bounds)
    n_markers = sum(len(sc.get_offsets()) for scs in d.markers_.values() for sc in scs)
    assert n_markers == sum(1 for r in _rows(d) if r.value is not None)


def test_forest_tolerates_verdicts_with_more_fields(small_result: AuditResult) -> None:
    """Another part of the engine may add fields (a per-verdict interval level, rows needed): the plot still reads the
    ones it knows, and takes the level where every verdict states the same one."""
    r = small_result
    richer = tuple(SimpleNamespace(**{**v.model_dump(), "interval_level": 0.99, "some_future_field": 9}) for v in r.verdicts)
    for v, w in zip(richer, r.verdicts, strict=True):
        v.statistic, v.level = w.statistic, w.level
    d = charts.VerdictForestDisplay.from_result(SimpleNamespace(verdicts=richer, spec=r.spec), max_rows=None)
    assert d.interval_level == 0.99 and d.shown == len(r.verdicts)
    with charts.themed("light"):
        assert "99% interval" in d.figure()._suptitle.get_text()
    mixed = tuple(SimpleNamespace(**{**vars(v), "interval_level": 0.9 + 0.01 * (i % 2)}) for i, v in enumerate(richer))
    assert charts.VerdictForestDisplay.from_result(SimpleNamespace(verdicts=mixed, spec=r.spec)).interval_level is None
    plain = charts.VerdictForestDisplay.from_result(r)  # the engine states the family's deciding level on every verdict
    assert plain.interval_level == r.verdict_family.interval_level != r.spec.ci_level


def test_forest_of_a_result_without_failures_is_empty(small_result: AuditResult) -> None:
    r = small_result.model_copy(update={"verdicts": tuple(v for v in small_result.verdicts if v.status == "pass")})
    d = charts.VerdictForestDisplay.from_result(r, ("fail", "insufficient_evidence"))
    assert d.panels == () and d.total == 0


def test_rates_points_carry_each_groups_verdict(small_result: AuditResult) -> None:
    r = small_result
    lv = r.levels[0].level
    d = charts.RatesDisplay.from_result(r, [(lv, None)])
    groups = [g for g in r.groups if g.level == lv]
    idx = charts.verdict_index(r)
    for p in d.points:
        g = groups[p.row]
        m = d.metrics[p.metric]
        assert p.value == g.metrics[m].value and p.ci_low == g.metrics[m].ci_low
        checks = [c.id for c in r.spec.policy.checks if c.metric == m]
        statuses = [idx.get((c, lv, tuple(sorted(g.attributes.items())))) for c in checks]
        statuses = [s for s in statuses if s]
        assert p.status == (min(statuses, key=["fail", "insufficient_evidence", "pass"].index) if statuses else None)
    # the four-fifths line sits at 0.8 x the highest group's selection rate
    (t,) = [t for t in d.thresholds if d.metrics[t.metric] == "selection_rate" and len(t.xs) == 1] or [None]
    if t is not None:
        top = max(g.metrics["selection_rate"].value for g in groups)
        assert t.xs[0] == pytest.approx(0.8 * top)


def test_overview_has_a_marker_per_verdict(small_result: AuditResult) -> None:
    r = small_result
    d = charts.DisparityOverviewDisplay.from_result(r)
    assert [p.check for p in d.panels] == [c.id for c in r.spec.policy.checks]
    for p in d.panels:
        vs = [v for v in r.verdicts if v.check == p.check and v.statistic.value is not None]
        assert sorted(s for _, _, s in p.points) == sorted(v.status for v in vs)
