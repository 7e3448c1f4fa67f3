"""The monitoring drift chart draws the thresholds of the distances it plots, and only those: with every feature
numeric (Wasserstein over the reference's standard deviation) there is no Jensen-Shannon line, with a categorical
feature there is; a result that does not say its features' kinds keeps both lines (it cannot tell)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from audit.lifecycle.monitor import monitor
from audit.lifecycle.plan import DriftPlan, MonitorPlan
from audit.lifecycle.windows import parse_window
from reports.charts.timeseries import DriftTimeDisplay, monitoring_displays
from tests.lifecycle.monitor_helpers import load, simulate

PLAN = MonitorPlan(checks=("drift",), drift=DriftPlan(wasserstein_normed=0.15, js=0.1))


def _result(tmp_path, categorical: bool):
    ref, log = simulate(1500, 1), simulate(3000, 2, drift_from="2024-04-01", shift=0.8)
    if categorical:
        rng = np.random.default_rng(3)
        ref["region"] = rng.choice(["north", "south"], len(ref))
        log["region"] = rng.choice(["north", "south", "east"], len(log), p=[0.4, 0.3, 0.3])
    ref.to_csv(tmp_path / "ref.csv", index=False)
    log.to_csv(tmp_path / "log.csv", index=False)
    return monitor(load(tmp_path / "log.csv", tmp_path / "ref.csv"), PLAN, parse_window("1mo"))


def _drawn_thresholds(display: DriftTimeDisplay) -> tuple[set[float], list[str]]:
    """The dashed horizontal lines and the text labels on the drawn axes."""
    fig = display.figure()
    ax = fig.axes[0]
    ys = {
        round(float(line.get_ydata()[0]), 6)
        for line in ax.get_lines()
        if line.get_linestyle() == "--" and len(set(np.asarray(line.get_ydata(), dtype=float))) == 1
    }
    labels = [t.get_text().strip() for t in ax.texts]
    import matplotlib.pyplot as plt

    plt.close(fig)
    return ys, labels


def test_all_numeric_features_draw_no_js_threshold(tmp_path):
    r = _result(tmp_path, categorical=False)
    assert set(r.feature_kinds.values()) == {"numeric"}  # x and the scores
    d = DriftTimeDisplay.from_result(r)
    assert {s.label for s in d.series} == {"x", "(scores)"}
    ys, labels = _drawn_thresholds(d)
    assert ys == {0.15}
    assert labels == ["W/sd 0.15"]
    assert "JS" not in d.ylabel


def test_a_categorical_feature_draws_the_js_threshold_too(tmp_path):
    r = _result(tmp_path, categorical=True)
    assert r.feature_kinds["region"] == "categorical"
    d = dict(monitoring_displays(r))["Drift per feature"]
    assert "region" in {s.label for s in d.series}
    ys, labels = _drawn_thresholds(d)
    assert ys == {0.15, 0.1}
    assert sorted(labels) == ["JS 0.1", "W/sd 0.15"]


@pytest.mark.parametrize("categorical", [False, True])
def test_a_result_without_kinds_keeps_both_thresholds(tmp_path, categorical):
    """A stored result written before the kinds were kept (no per-group findings either): both lines, as before."""
    r = _result(tmp_path, categorical).model_copy(update={"feature_kinds": {}})
    ys, _ = _drawn_thresholds(DriftTimeDisplay.from_result(r))
    assert ys == {0.15, 0.1}
