"""Drift within each monitoring window per group and intersection: statistics equal scipy's on the group's own rows,
the drifted intersection alerts in the month it drifts and not before, small groups are insufficient evidence, and
a result written before the groups were measured still reads."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from audit.lifecycle.monitor import monitor
from audit.lifecycle.monitor_types import MonitorResult
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import parse_window
from tests.lifecycle.monitor_helpers import load


def _frame(n: int, seed: int, month: str | None = None, shift_bf: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B", "C"], n, p=[0.495, 0.495, 0.01])  # C: a group too small to compare
    sex = rng.choice(["F", "M"], n)
    x = rng.normal(0, 1, n) + np.where((race == "B") & (sex == "F"), shift_bf, 0.0)
    p = 1 / (1 + np.exp(-x))
    df = pd.DataFrame({"race": race, "sex": sex, "x": x.round(6), "score": p.round(6), "pred": (p >= 0.5).astype(int)})
    df["y"] = rng.binomial(1, p).astype(float)
    if month:
        df.insert(0, "time", (pd.Timestamp(month) + pd.to_timedelta(rng.uniform(0, 27, n), unit="D")).strftime("%Y-%m-%dT%H:%M"))
    return df


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("groups")
    _frame(4000, 1).to_csv(d / "ref.csv", index=False)
    log = pd.concat([_frame(4000, 2, "2024-01-01"), _frame(4000, 3, "2024-02-01", shift_bf=0.8)], ignore_index=True)
    log.to_csv(d / "log.csv", index=False)
    return d


def _run(files, **kw):
    inp = load(files / "log.csv", files / "ref.csv", sensitive=["race", "sex"], **kw)
    return monitor(inp, MonitorPlan(), parse_window("1mo")), inp


def _by_group(w):
    return {g.group: g for g in w.group_drift}


def test_group_statistics_equal_scipy_on_the_groups_own_rows(files):
    r, _ = _run(files)
    ref, log = pd.read_csv(files / "ref.csv"), pd.read_csv(files / "log.csv")
    feb = log[log.time >= "2024-02"]
    for label, mask in {
        "race=B & sex=F": lambda d: (d.race == "B") & (d.sex == "F"),
        "race=A": lambda d: d.race == "A",
        "sex=M": lambda d: d.sex == "M",
    }.items():
        g = _by_group(r.windows[1])[label]
        a, b = ref[mask(ref)], feb[mask(feb)]
        assert (g.n_reference, g.n_current) == (len(a), len(b))
        x = {f.name: f for f in g.features}["x"]
        w = stats.wasserstein_distance(a.x, b.x)
        assert x.wasserstein == pytest.approx(w, rel=1e-9)
        assert x.wasserstein_normed == pytest.approx(w / a.x.std(ddof=1), rel=1e-9)
        assert x.ks_p == pytest.approx(stats.ks_2samp(a.x, b.x).pvalue, rel=1e-9)
        sc = {f.name: f for f in g.features}["(scores)"]
        assert sc.wasserstein == pytest.approx(stats.wasserstein_distance(a.score, b.score), rel=1e-9)


def test_the_drifted_intersection_alerts_in_its_month_and_not_before(files):
    r, _ = _run(files)
    jan, feb = r.windows
    assert {c.check: c.status for c in jan.checks}["group_drift"] == "pass"
    assert all(g.status != "alert" for g in jan.group_drift)
    g = _by_group(feb)["race=B & sex=F"]
    assert g.status == "alert" and "x" in g.features_alerting
    assert _by_group(feb)["race=A & sex=M"].status == "pass"  # the groups that did not move stay quiet
    assert _by_group(feb)["race=A"].status == "pass"
    check = {c.check: c for c in feb.checks}["group_drift"]
    assert check.status == "alert" and "race=B & sex=F" in check.message
    assert any("group_drift" in a for a in r.alerts)


def test_small_groups_are_insufficient_evidence_and_every_level_is_there(files):
    r, _ = _run(files)
    groups = _by_group(r.windows[0])
    assert groups["race=C"].status == "insufficient_evidence" and groups["race=C"].features == ()
    assert groups["race=C & sex=F"].status == "insufficient_evidence"
    singles = {"race=A", "race=B", "race=C", "sex=F", "sex=M"}
    pairs = {f"race={a} & sex={s}" for a in "ABC" for s in "FM"}
    assert set(groups) == singles | pairs


def test_max_order_one_leaves_out_the_intersections(files):
    r, _ = _run(files, max_order=1)
    assert r.max_order == 1
    assert {g.group for g in r.windows[1].group_drift} == {"race=A", "race=B", "race=C", "sex=F", "sex=M"}


def test_a_result_without_group_drift_still_reads(files):
    r, _ = _run(files)
    data = json.loads(r.to_json())
    for w in data["windows"]:
        del w["group_drift"]
    del data["max_order"]
    old = MonitorResult.model_validate(data)
    assert old.windows[1].group_drift == () and old.max_order is None
    assert MonitorResult.model_validate_json(r.to_json()) == r
