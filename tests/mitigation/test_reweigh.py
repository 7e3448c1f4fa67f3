"""Kamiran-Calders weights equal a hand-worked example, and the CSV the CLI writes carries them row by row."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from audit.mitigation.reweigh import weights
from tests.mitigation.helpers import frame, mitigate, record_run


def test_hand_worked_example():
    # 8 rows: group a has 5 (4 favourable), group b has 3 (1 favourable); 5 favourable of 8 overall.
    group = np.array(["a"] * 5 + ["b"] * 3, dtype=object)
    y = np.array([1, 1, 1, 1, 0, 1, 0, 0])
    w, cells = weights(group, y)
    # w(g, y) = P(g) P(y) / P(g, y):
    #   (a,1) = (5/8)(5/8)/(4/8) = 25/32   (a,0) = (5/8)(3/8)/(1/8) = 15/8
    #   (b,1) = (3/8)(5/8)/(1/8) = 15/8    (b,0) = (3/8)(3/8)/(2/8) = 9/16
    expected = np.array([25 / 32] * 4 + [15 / 8] + [15 / 8] + [9 / 16] * 2)
    assert w == pytest.approx(expected, abs=1e-15)
    assert {(c["group"], c["label"]): c["weight"] for c in cells} == pytest.approx(
        {("a", 1): 25 / 32, ("a", 0): 15 / 8, ("b", 1): 15 / 8, ("b", 0): 9 / 16}
    )
    # In the weighted data, the favourable share is the same in both groups (the point of reweighing).
    share = [w[(group == g) & (y == 1)].sum() / w[group == g].sum() for g in ("a", "b")]
    assert share[0] == pytest.approx(share[1]) == pytest.approx(5 / 8)
    assert w.sum() == pytest.approx(len(y))


def test_cli_writes_weights_csv(tmp_path):
    df = frame(600, seed=8)
    df.loc[[3, 10], "approved"] = np.nan  # rows without an outcome are left out, but row numbers stay the file's
    ws, run_id, _ = record_run(tmp_path, df)
    out = tmp_path / "weights.csv"
    r = mitigate(ws, run_id, tmp_path / "m.json", "--reweigh-csv", str(out))
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kept = df[df.approved.notna()].reset_index()
    assert [int(x["row"]) for x in rows] == kept["index"].tolist()
    w, _ = weights(("sex=" + kept.sex).to_numpy(dtype=object), kept.approved.astype(int).to_numpy())
    assert [float(x["weight"]) for x in rows] == pytest.approx(w.tolist(), abs=1e-15)
    rw = r["alternatives"]["reweighing"]
    assert "unknown until retrained" in rw["expected_effect"] and rw["csv"] == str(out)
