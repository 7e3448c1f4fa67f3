"""Damaged native model files (LightGBM, XGBoost, ONNX) end in exit 2 with a message, never in an aborted process.

LightGBM aborts (SIGABRT) on a text model damaged inside a tree and XGBoost segfaults on a child or feature index outside
the tree; Attest opens such files in a child process first (audit/models/probe.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.bad_inputs.test_bad_inputs import _argv, model, run_cli


@pytest.fixture(scope="module")
def natives(tmp_path_factory):
    import lightgbm as lgb
    import xgboost as xgb

    d = tmp_path_factory.mktemp("natives")
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"age": rng.uniform(18, 80, 400), "income": rng.uniform(1, 9, 400)})
    y = (X.income > 5).astype(int)
    lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 4}, lgb.Dataset(X, y), 3).save_model(str(d / "good_lgb.txt"))
    xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, y), 3).save_model(str(d / "good_xgb.json"))
    return d


LGB_DAMAGE = {  # one edit inside the first tree; "end of trees" and "end of parameters" stay intact
    "split_feature_out_of_range": (r"split_feature=\S+", "split_feature=99999"),
    "child_out_of_range": (r"left_child=\S+", "left_child=77777"),
    "num_leaves_inflated": (r"num_leaves=\d+", "num_leaves=900000"),
    "threshold_not_a_number": (r"threshold=\S+", "threshold=abc"),
    "categorical_without_boundaries": (r"num_cat=\d+", "num_cat=5"),
}


@pytest.mark.parametrize("case", sorted(LGB_DAMAGE))
def test_damaged_lightgbm_tree_is_exit_2_not_an_abort(case, natives, corpus, tmp_path, capsys):
    pattern, repl = LGB_DAMAGE[case]
    bad = tmp_path / f"{case}.txt"
    bad.write_text(re.sub(pattern, repl, (natives / "good_lgb.txt").read_text(), count=1))
    rc, _, err = run_cli(_argv(model(str(bad)), corpus, tmp_path / "r.json"), capsys)
    assert rc == 2, err
    assert f"{case}.txt is a damaged LightGBM model: the LightGBM library crashed while reading it (SIGABRT" in err, err
    assert "Traceback" not in err and not (tmp_path / "r.json").exists()


def _edit_tree(natives: Path, edit) -> str:
    doc = json.loads((natives / "good_xgb.json").read_text())
    edit(doc["learner"]["gradient_booster"]["model"]["trees"][0])
    return json.dumps(doc)


XGB_DAMAGE = {
    "child_out_of_range": (
        lambda t: t["left_children"].__setitem__(0, 99999),
        "tree 0 node 0 points to child 99999, outside its",
    ),
    "split_on_missing_feature": (
        lambda t: t["split_indices"].__setitem__(0, 99999),
        "tree 0 node 0 splits on feature 99999, but the model has 2",
    ),
    "loop_to_root": (lambda t: t["left_children"].__setitem__(0, 0), "tree 0 reaches node 0 twice (a loop)"),
    "arrays_shorter_than_declared": (lambda t: t.__setitem__("base_weights", []), "Check failed: base_weights.size() == n_nodes"),
}


@pytest.mark.parametrize("case", sorted(XGB_DAMAGE))
def test_damaged_xgboost_tree_is_exit_2_not_a_segfault(case, natives, corpus, tmp_path, capsys):
    edit, message = XGB_DAMAGE[case]
    bad = tmp_path / f"{case}.json"
    bad.write_text(_edit_tree(natives, edit))
    rc, _, err = run_cli(_argv(model(str(bad)), corpus, tmp_path / "r.json"), capsys)
    assert rc == 2, err
    assert f"{case}.json is not a readable XGBoost model (" in err and message in err, err
    assert "[bt]" not in err and "Traceback" not in err, err


def test_truncated_xgboost_json_has_no_cpp_backtrace(natives, corpus, tmp_path, capsys):
    text = (natives / "good_xgb.json").read_text()
    bad = tmp_path / "cut.json"
    bad.write_text(text[: len(text) // 2])
    rc, _, err = run_cli(_argv(model(str(bad)), corpus, tmp_path / "r.json"), capsys)
    assert rc == 2 and "cut.json is not a readable XGBoost model" in err, err
    assert "[bt]" not in err and "xgboost.core" not in err


def test_the_damaged_files_really_kill_an_unprotected_process(natives, tmp_path):
    """Without this the tests above could pass on files the libraries would have refused politely anyway."""
    lgb_bad = tmp_path / "bad.txt"
    lgb_bad.write_text(re.sub(r"split_feature=\S+", "split_feature=99999", (natives / "good_lgb.txt").read_text(), count=1))
    xgb_bad = tmp_path / "bad.json"
    xgb_bad.write_text(_edit_tree(natives, lambda t: t["left_children"].__setitem__(0, 99999)))
    code = {
        "lgb": f"import lightgbm as l, numpy as n; l.Booster(model_file={str(lgb_bad)!r}).predict(n.zeros((1, 2)))",
        "xgb": f"import xgboost as x, numpy as n; b = x.Booster(); b.load_model({str(xgb_bad)!r}); "
        "b.predict(x.DMatrix(n.zeros((5, 2)), feature_names=b.feature_names))",
    }
    codes = {k: subprocess.run([sys.executable, "-c", c], capture_output=True, timeout=120).returncode for k, c in code.items()}
    assert codes["lgb"] < 0 and codes["xgb"] < 0, codes


def test_good_native_models_still_load_and_agree_with_their_library(natives):
    import lightgbm as lgb

    from audit.models.loader import load_model

    X = pd.DataFrame({"age": [20.0, 50.0], "income": [2.0, 8.0]})
    m = load_model(natives / "good_lgb.txt", positive_label=1)
    assert m.score is not None, "a LightGBM booster gives scores"
    assert np.allclose(m.score(X), lgb.Booster(model_file=str(natives / "good_lgb.txt")).predict(X))
    assert load_model(natives / "good_xgb.json", positive_label=1).ref.model_type == "xgboost.Booster(binary:logistic)"
