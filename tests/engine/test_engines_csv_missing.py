"""A CSV with "NA" / "N/A" / empty cells outside the sensitive columns: the DuckDB engine reads them as missing, as the
in-memory reader does (pandas' list), so both engines give the same audit; in a sensitive column "NA" stays a group
in both. Before, DuckDB read "NA" in the target as a third class and refused the file."""

from __future__ import annotations

import numpy as np
import pytest

from cli.main import main
from tests.engine.engine_cases import differences, load, predictions_frame


def _csv(tmp_path, score_na_in_audited_row=False):
    df = predictions_frame(3000, seed=11).astype({"income": object, "y": object, "score": object, "years": object})
    rng = np.random.default_rng(2)
    df.loc[rng.choice(len(df), 40, replace=False), "income"] = "NA"  # a feature: numbers with "NA"
    df.loc[rng.choice(len(df), 15, replace=False), "years"] = ""
    no_y = rng.choice(len(df), 30, replace=False)
    df.loc[no_y, "y"] = "NA"  # the target: left out of the audit in both
    df.loc[no_y[:20], "score"] = "N/A"  # scores missing where the target is (rows not audited)
    if score_na_in_audited_row:
        df.loc[int(np.flatnonzero(df["y"] != "NA")[0]), "score"] = "NA"
    df.loc[df.index[:100], "race"] = "NA"  # sensitive: a group called NA, not missing
    path = tmp_path / "na.csv"
    df.to_csv(path, index=False)
    return path


ARGS = ["--target", "y", "--sensitive", "race,sex,band", "--predictions", "pred", "--scores", "score"]
ARGS += ["--positive-label", "1", "--bootstrap", "100", "--quiet", "--no-explain"]


def test_both_engines_read_na_in_a_feature_the_target_and_a_score_alike(tmp_path, capsys):
    path = _csv(tmp_path)
    outs = {}
    for engine in ("numpy", "duckdb"):
        outs[engine] = tmp_path / f"{engine}.json"
        assert main(["audit", "--data", str(path), *ARGS, "--engine", engine, "--json", str(outs[engine])]) in (0, 1)
    a, b = load(outs["numpy"]), load(outs["duckdb"])
    assert differences(a, b) == []
    assert any("30 row(s) with no value in the target" in w for w in b["warnings"])
    cols = {c["name"]: c for c in b["data"]["columns"]}
    assert cols["income"]["missing"] >= 40 and cols["income"]["dtype"] == "float64"
    assert cols["score"]["missing"] == 20 and cols["years"]["missing"] == 15
    assert any(g["attributes"] == {"race": "NA"} for g in b["groups"])


@pytest.mark.parametrize("engine", ["numpy", "duckdb"])
def test_a_missing_score_in_an_audited_row_is_refused_alike(tmp_path, capsys, engine):
    path = _csv(tmp_path, score_na_in_audited_row=True)
    rc = main(["audit", "--data", str(path), *ARGS, "--engine", engine, "--json", str(tmp_path / "o.json")])
    assert rc == 2
    assert "contain 1 missing or NaN value(s)" in capsys.readouterr().err
