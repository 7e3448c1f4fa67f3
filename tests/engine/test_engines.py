"""Every engine gives the same audit: the DuckDB engine's result equals the in-memory engine's (1e-12, counts exact)
on data with scores and without, CSV, Parquet and a DuckDB table; the statistics themselves are checked against
an independent computation; `--engine auto` picks by the file."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from audit.cancel import CancelToken
from audit.draft import AuditDraft
from audit.engines import choose_engine
from audit.engines.duckdb_engine import DuckDBEngine
from audit.engines.numpy_engine import NumpyEngine
from audit.stats.estimates import calibration_curve, calibration_curve_counts, score_metrics, score_metrics_counts
from cli.main import main
from tests.engine.engine_cases import differences, load, predictions_frame, write_cases


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return write_cases(tmp_path_factory.mktemp("engine_cases"))


def _run(tmp_path, name, data, args, engine):
    out = tmp_path / f"{name}.{engine}.json"
    rc = main(["audit", "--data", str(data), *args, "--engine", engine, "--json", str(out)])
    assert rc in (0, 1)
    return out


@pytest.mark.parametrize("name", ["scores_parquet", "scores_csv", "no_scores_refs", "labels_max_order"])
def test_duckdb_engine_gives_the_in_memory_result(cases, name, tmp_path, capsys):
    data, args = cases[name]
    a, b = _run(tmp_path, name, data, args, "numpy"), _run(tmp_path, name, data, args, "duckdb")
    ja, jb = load(a), load(b)
    assert differences(ja, jb) == []
    assert json.loads(b.read_text())["provenance"]["engine"] == "duckdb"
    assert json.loads(a.read_text())["provenance"]["engine"] == "numpy"
    assert len(ja["groups"]) > 5 and ja["warnings"]  # the comparison covers groups and warnings, not an empty shell


def test_duckdb_table_gives_the_in_memory_result(cases, tmp_path, capsys):
    data, args = cases["scores_parquet"]
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE preds AS SELECT * FROM read_parquet('{data}')")
    con.close()
    a = _run(tmp_path, "parquet", data, args, "numpy")
    out = tmp_path / "table.json"
    assert main(["audit", "--data", str(db), "--table", "preds", *args, "--engine", "auto", "--json", str(out)]) in (0, 1)
    ja, jb = load(a), load(out)
    # The data description differs (another file, format and table); every figure is the same.
    for doc in (ja, jb):
        doc.pop("data"), doc["provenance"].pop("data_sha256"), doc.pop("spec")
    assert differences(ja, jb) == []


def _prepared(engine, path, **kw):
    draft = AuditDraft(
        data_path=str(path),
        target="y",
        sensitive=("race", "sex", "band"),
        positive_label="1",
        source="predictions",
        predictions_column="pred",
        scores_column="score",
        **kw,
    )
    spec = draft.to_spec(hint="")
    return engine.statistics(spec, lambda *a: None, CancelToken())


def test_statistics_match_an_independent_count(tmp_path):
    """The per-cell statistics of both engines against pandas: confusion counts per cell, and per (cell, score) the
    outcomes, exactly; AUC of a group from the statistics against scikit-learn."""
    df = predictions_frame(n=3000, seed=5)
    path = tmp_path / "p.parquet"
    df.to_parquet(path, index=False)
    ref = df.assign(sex=df.sex.fillna("(missing)"), band=df.band.astype(str))
    for engine in (NumpyEngine(), DuckDBEngine(memory_limit="500MB")):
        st = _prepared(engine, path).stats
        cells = pd.DataFrame(list(st.cells))
        for i, c in cells.iterrows():
            rows = ref[(ref.race == c.race) & (ref.sex == c.sex) & (ref.band == c.band)]
            want = [((rows.y == a) & (rows.pred == b)).sum() for a, b in ((0, 0), (0, 1), (1, 0), (1, 1))]
            assert st.counts[i].tolist() == want
        t = st.scores
        assert np.all(np.diff(t.score) >= 0) and t.pos.sum() == df.y.sum() and (t.pos + t.neg).sum() == len(df)
        got = pd.DataFrame({"race": cells.race.to_numpy()[t.cell], "score": t.score, "pos": t.pos, "neg": t.neg})
        want = ref.groupby(["race", "score"]).y.agg(pos="sum", n="count").reset_index()
        merged = got.groupby(["race", "score"])[["pos", "neg"]].sum().reset_index().merge(want, on=["race", "score"])
        assert len(merged) == len(want)
        assert (merged.pos_x == merged.pos_y).all() and (merged.neg == merged.n - merged.pos_y).all()
        black = cells.race.to_numpy()[t.cell] == "Black"
        got = score_metrics_counts(t.score[black], t.pos[black], t.neg[black], 0.9, np.random.default_rng(4), 200)
        rows = df[df.race == "Black"]
        assert got["auc"].value == pytest.approx(roc_auc_score(rows.y, rows.score), abs=1e-12)
        # The row forms (each row its own entry) give the same AUC, DeLong interval, Brier and calibration figures.
        want = score_metrics(rows.y.to_numpy(), rows.score.to_numpy(), 0.9, np.random.default_rng(4), 200)
        for m in ("auc", "brier", "calibration_error"):
            for f in ("value", "ci_low", "ci_high"):
                assert getattr(got[m], f) == pytest.approx(getattr(want[m], f), abs=1e-12), (m, f)
        _same_curves(
            calibration_curve_counts(t.score[black], t.pos[black], t.neg[black]),
            calibration_curve(rows.y.to_numpy(), rows.score.to_numpy()),
        )


def _same_curves(a, b) -> None:
    assert [x.n for x in a] == [x.n for x in b] and sum(x.n for x in a) > 0
    for x, y in zip(a, b, strict=True):
        assert x.mean_score == pytest.approx(y.mean_score, abs=1e-12) and x.observed_rate == pytest.approx(
            y.observed_rate, abs=1e-12
        )


def test_both_engines_build_the_same_statistics(tmp_path):
    df = predictions_frame(n=2500, seed=9)
    path = tmp_path / "p.parquet"
    df.to_parquet(path, index=False)
    a, b = _prepared(NumpyEngine(), path).stats, _prepared(DuckDBEngine(), path).stats
    assert a.cells == b.cells and np.array_equal(a.counts, b.counts)
    for f in ("score", "cell", "pos", "neg"):
        assert np.array_equal(getattr(a.scores, f), getattr(b.scores, f)), f
    assert a.quality.columns == b.quality.columns and np.array_equal(a.quality.missing, b.quality.missing)
    assert [(c, s) for c, s, _ in a.quality.proxy_tables] == [(c, s) for c, s, _ in b.quality.proxy_tables]
    for (_, _, x), (_, _, y) in zip(a.quality.proxy_tables, b.quality.proxy_tables, strict=True):
        assert np.array_equal(np.sort(x, axis=None), np.sort(y, axis=None))


def test_auto_picks_duckdb_for_large_files(cases, monkeypatch):
    import audit.engines as engines

    data, _ = cases["scores_parquet"]
    draft = AuditDraft(
        data_path=str(data), target="y", sensitive=("race",), positive_label="1", source="predictions", predictions_column="pred"
    )
    spec = draft.to_spec(hint="")
    assert choose_engine("auto", spec) == "numpy"  # a small file stays in memory
    monkeypatch.setattr(engines, "AUTO_BYTES", 1000)
    assert choose_engine("auto", spec) == "duckdb"
    model_spec = spec.model_copy(update={"model_path": "m.skops", "predictions_column": None})
    assert choose_engine("auto", model_spec) == "duckdb"  # a model is scored in one streamed pass (duckdb_model.py)
    assert choose_engine("numpy", spec) == "numpy" and choose_engine("duckdb", spec) == "duckdb"
