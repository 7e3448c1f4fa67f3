"""On simulated data with a known disparity the held-out audit of the mitigated rule shows it reduced beyond its
interval; on data without a disparity mitigation changes nothing beyond noise."""

from __future__ import annotations

import pytest

from audit.hashing import canonical_json, sha256_bytes
from tests.mitigation.helpers import frame, mitigate, record_run, selection_difference


@pytest.fixture(scope="module")
def biased(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mit_biased")
    ws, run_id, _ = record_run(tmp, frame(3000, bias=1.6, seed=2))
    return tmp, ws, run_id, mitigate(ws, run_id, tmp / "m.json", "--seed", "3", "--chart", str(tmp / "tradeoff.svg"))


def test_known_disparity_is_reduced_beyond_its_interval(biased):
    _, _, _, r = biased
    before, after = selection_difference(r["before"]), selection_difference(r["after"])
    # Women are selected far less often before; afterwards the gap is near zero, and the intervals do not overlap.
    assert before["ci_high"] < -0.2
    assert after["ci_low"] > before["ci_high"]
    assert after["ci_low"] <= 0 <= after["ci_high"]
    verdict = {v["status"] for v in r["before"]["verdicts"]}, {v["status"] for v in r["after"]["verdicts"]}
    assert verdict == ({"fail"}, {"pass"})
    # The comparison block says the same with its own statistic (max - min gap).
    c = r["comparison"]
    assert c["after"]["disparity"]["high"] < c["before"]["disparity"]["low"]
    assert c["before"]["disparity"]["value"] == pytest.approx(-before["value"], abs=1e-12)


def test_result_states_split_thresholds_and_caveats(biased):
    _, _, _, r = biased
    assert {"split", "thresholds", "before", "after", "caveats", "tradeoff"} <= set(r)
    s = r["split"]
    assert s["seed"] == 3 and s["fit_rows"] + s["test_rows"] == 3000 and s["stratified_by"] == "group x label"
    assert r["before"]["data"]["rows"] == r["after"]["data"]["rows"] == s["test_rows"]
    assert set(r["thresholds"]) == {"sex=Female", "sex=Male"}
    # The women's threshold is lower: the rule undoes the score's bias.
    lowest = {g: min(p["threshold"] for p in v["rule"]) for g, v in r["thresholds"].items()}
    assert lowest["sex=Female"] < lowest["sex=Male"]
    text = " ".join(r["caveats"])
    for needed in (
        "sensitive attribute at decision time",
        "disparate treatment",
        "AI Act",
        "GDPR",
        "unknown until retrained",
        "ExponentiatedGradient",
    ):
        assert needed in text


def test_tradeoff_marks_original_and_pareto_front(biased):
    _, _, _, r = biased
    pts = r["tradeoff"]
    assert sum(p["original"] for p in pts) == 1
    assert pts[0]["original"] and pts[0]["label"] == "original decisions"
    kinds = {p["method"] for p in pts}
    assert kinds == {"as audited", "ThresholdOptimizer", "single threshold"}
    front = [p for p in pts if p["pareto"]]
    assert front
    for p in front:  # no point is both fairer and more accurate than a point on the front
        for q in pts:
            assert not (q["disparity"]["value"] < p["disparity"]["value"] and q["accuracy"]["value"] > p["accuracy"]["value"])
    for p in pts:
        if not p["pareto"]:
            assert any(
                q["disparity"]["value"] <= p["disparity"]["value"] and q["accuracy"]["value"] >= p["accuracy"]["value"]
                for q in front
            )
        d, a = p["disparity"], p["accuracy"]
        assert d["low"] <= d["value"] <= d["high"] and a["low"] <= a["value"] <= a["high"]
        assert set(p["selection_rate_by_group"]) == {"sex=Female", "sex=Male"}
    # The original decisions are dominated here: the strict rule is both fairer and not less accurate.
    assert not pts[0]["pareto"]


def test_single_threshold_alternative_keeps_the_floor(biased):
    _, _, _, r = biased
    single = r["alternatives"]["single_threshold"]
    assert single["uses_sensitive_attribute"] is False
    assert single["fit_accuracy"] >= single["accuracy_floor"]
    assert single["audit"]["data"]["rows"] == r["split"]["test_rows"]


def test_result_hash_is_the_recorded_one(biased):
    _, _, _, r = biased
    body = {k: v for k, v in r.items() if k != "recorded"}
    assert sha256_bytes(canonical_json(body)) == r["recorded"]["result_sha256"]


def test_no_disparity_no_change_beyond_noise(tmp_path):
    ws, run_id, _ = record_run(tmp_path, frame(3000, bias=0.0, seed=4))
    r = mitigate(ws, run_id, tmp_path / "m.json", "--seed", "5")
    before, after = selection_difference(r["before"]), selection_difference(r["after"])
    assert before["ci_low"] <= 0 <= before["ci_high"]
    assert after["ci_low"] <= 0 <= after["ci_high"]
    # Each estimate lies inside the other's interval: nothing the data can tell apart from noise.
    assert before["ci_low"] <= after["value"] <= before["ci_high"]
    assert after["ci_low"] <= before["value"] <= after["ci_high"]
    acc = r["comparison"]["before"]["accuracy"], r["comparison"]["after"]["accuracy"]
    assert acc[0]["low"] <= acc[1]["value"] <= acc[0]["high"]
    lowest = [min(p["threshold"] for p in v["rule"]) for v in r["thresholds"].values()]
    assert abs(lowest[0] - lowest[1]) < 0.1


def test_tradeoff_chart_shows_every_point(biased):
    from reports.charts.tradeoff import TradeoffDisplay

    tmp, _, _, r = biased
    svg = (tmp / "tradeoff.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "Pareto front" in svg and "original" in svg
    d = TradeoffDisplay.from_mitigation(r)
    assert len(d.points) == len(r["tradeoff"])
    assert [p.pareto for p in d.points] == [p["pareto"] for p in r["tradeoff"]]
    assert [p.original for p in d.points].count(True) == 1 and [p.proposed for p in d.points].count(True) == 1
    assert d.groups == ("sex=Female", "sex=Male")


def test_by_sets_thresholds_per_chosen_feature_and_audits_all(tmp_path):
    df = frame(1500, seed=12)
    df["race"] = ["Z" if i < 3 else ("A" if i % 2 else "B") for i in range(len(df))]  # race=Z: 3 people
    data = tmp_path / "two.csv"
    df.to_csv(data, index=False)
    ws = tmp_path / "ws.attest"
    from cli.main import main

    assert main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "approved",
            "--sensitive",
            "sex,race",
            "--predictions",
            "pred",
            "--scores",
            "score",
            "--positive-label",
            "1",
            "--bootstrap",
            "0",
            "--workspace",
            str(ws),
            "--json",
            str(tmp_path / "a.json"),
            "--quiet",
        ]
    ) in (0, 1)
    from audit.trail import Workspace

    with Workspace.open(ws, readonly=True) as w:
        run_id = w.audit_runs()[-1].run_id
    r = mitigate(ws, run_id, tmp_path / "m.json", "--by", "sex")
    assert set(r["thresholds"]) == {"sex=Female", "sex=Male"} and r["groups"] == "combinations of sex"
    audited = {tuple(g["level"]) for g in r["after"]["groups"]}
    assert {("sex",), ("race",), ("sex", "race")} <= audited


def test_moved_data_is_found_where_the_trail_registered_it(tmp_path):
    import shutil

    from cli.main import main

    ws, run_id, data = record_run(tmp_path, frame(800, seed=13))
    (tmp_path / "archive").mkdir()
    moved = shutil.move(data, tmp_path / "archive" / "eval.csv")
    assert (
        main(
            ["mitigate", run_id, "--workspace", str(ws), "--constraint", "demographic_parity", "--json", str(tmp_path / "m.json")]
        )
        == 2
    )  # gone, and nobody said where
    assert main(["register", "dataset", str(moved), "--workspace", str(ws)]) == 0
    r = mitigate(ws, run_id, tmp_path / "m.json")
    assert r["split"]["fit_rows"] + r["split"]["test_rows"] == 800
