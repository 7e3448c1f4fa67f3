"""`attest drift` end to end: exit 1 when an alert fires, 0 when none does; the JSON a monitoring job reads; per-group
drift; the plan's thresholds decide; a model scores both files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cli.main import main


def frame(n: int, seed: int, shift: float = 0.0, b_share: float = 0.3, new_region: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["A", "B"], n, p=[1 - b_share, b_share])
    income = rng.gamma(4, 12_000, n) * (1 + shift * (race == "B"))
    df = pd.DataFrame(
        {
            "income": income.round(2),
            "age": rng.integers(18, 80, n),
            "region": rng.choice(["N", "S", "E", *(["W"] if new_region else [])], n),
            "race": race,
        }
    )
    df["score"] = (1 / (1 + np.exp(-(df.income - 48_000) / 20_000))).round(5)
    df["pred"] = (df.score >= 0.5).astype(int)
    return df


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, df in (
        ("ref", frame(3000, 1)),
        ("same_population", frame(2500, 2)),
        ("drifted", frame(2500, 3, shift=0.6, b_share=0.45, new_region=True)),
    ):
        out[name] = tmp_path / f"{name}.csv"
        df.to_csv(out[name], index=False)
    return out


def drift(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["drift", *argv])
    o = capsys.readouterr()
    return rc, o.out, o.err


def test_no_drift_between_two_samples_of_one_population_exits_0(files, tmp_path, capsys):
    out = tmp_path / "d.json"
    rc, stdout, err = drift(
        capsys,
        "--reference",
        str(files["ref"]),
        "--current",
        str(files["same_population"]),
        "--scores",
        "score",
        "--predictions",
        "pred",
        "--sensitive",
        "race",
        "--json",
        str(out),
    )
    assert rc == 0, stdout + err
    data = json.loads(out.read_text())
    assert data["alerts"] == [] and "No alert fired." in stdout
    assert {f["name"] for f in data["features"]} == {"income", "age", "region"}
    for f in data["features"]:
        assert {
            "name",
            "kind",
            "n_reference",
            "n_current",
            "wasserstein",
            "wasserstein_normed",
            "ks_p",
            "psi",
            "js",
            "chi2_p",
            "status",
        } <= set(f)
        assert f["status"] == "pass"


def test_drift_in_one_group_alerts_and_exits_1(files, tmp_path, capsys):
    out = tmp_path / "d.json"
    rc, stdout, _ = drift(
        capsys,
        "--reference",
        str(files["ref"]),
        "--current",
        str(files["drifted"]),
        "--scores",
        "score",
        "--predictions",
        "pred",
        "--sensitive",
        "race",
        "--json",
        str(out),
    )
    assert rc == 1
    data = json.loads(out.read_text())
    region = next(f for f in data["features"] if f["name"] == "region")
    assert region["new_categories"] == ["W"] and region["status"] == "alert"
    groups = {g["group"]: g for g in data["groups"]}
    # Only B's incomes moved: B's income drifts within B, A's does not.
    assert "income" in groups["B"]["features_alerting"] and "income" not in groups["A"]["features_alerting"]
    assert groups["B"]["score_wasserstein_normed"] > 0.15 > groups["A"]["score_wasserstein_normed"]
    # B's share went from about 30% to 45%: a group-share alert, with Newcombe's interval around the change.
    ref, cur = pd.read_csv(files["ref"]), pd.read_csv(files["drifted"])
    nb_r, nb_c = int((ref.race == "B").sum()), int((cur.race == "B").sum())
    assert groups["B"]["share_change"]["value"] == pytest.approx(nb_c / len(cur) - nb_r / len(ref))
    assert any(a["statistic"] == "group_share_change" and a["group"] == "race=B" for a in data["alerts"])
    # The decision rate in B: Agresti-Coull as statsmodels computes it.
    b_pred = ref.pred[ref.race == "B"]
    lo, hi = proportion_confint(b_pred.sum(), b_pred.size, alpha=0.05, method="agresti_coull")
    assert (groups["B"]["decision_rate_reference"]["ci_low"], groups["B"]["decision_rate_reference"]["ci_high"]) == pytest.approx(
        (lo, hi)
    )
    scopes = {a["scope"] for a in data["alerts"]}
    assert {"feature", "predictions", "group", "group_shares"} <= scopes
    assert "ALERT" in stdout


def test_the_plan_sets_the_thresholds(files, tmp_path, capsys):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        "[drift]\nwasserstein_normed = 5.0\npsi = 50.0\njs = 1.0\nnew_category_share = 1.0\nmissing_rate_change = 1.0\n"
    )
    out = tmp_path / "d.json"
    rc, _, _ = drift(
        capsys,
        "--reference",
        str(files["ref"]),
        "--current",
        str(files["drifted"]),
        "--features",
        "income,region",
        "--plan",
        str(plan),
        "--json",
        str(out),
    )
    data = json.loads(out.read_text())
    assert rc == 0 and data["alerts"] == []
    assert data["plan"]["psi"] == 50.0 and data["plan"]["source"] == str(plan)
    rc_default, _, _ = drift(
        capsys, "--reference", str(files["ref"]), "--current", str(files["drifted"]), "--features", "income,region"
    )
    assert rc_default == 1  # the same data alerts under the default plan


def test_a_model_scores_both_files(files, tmp_path, capsys):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ref = pd.read_csv(files["ref"])
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(ref[["income", "age"]], ref.pred)
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    out = tmp_path / "d.json"
    rc, _, err = drift(
        capsys,
        "--reference",
        str(files["ref"]),
        "--current",
        str(files["drifted"]),
        "--model",
        str(path),
        "--features",
        "age",
        "--json",
        str(out),
    )
    assert rc == 1, err
    p = json.loads(out.read_text())["predictions"]
    cur = pd.read_csv(files["drifted"])
    expected = model.predict_proba(cur[["income", "age"]])[:, 1]
    assert p["source"] == "model m.skops" and p["n_current"] == len(cur)
    assert p["scores"]["mean_current"] == pytest.approx(expected.mean())
    assert p["decision_rate_current"]["value"] == pytest.approx((model.predict(cur[["income", "age"]]) == 1).mean())
