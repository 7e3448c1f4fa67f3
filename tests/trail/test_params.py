"""Training parameters: one parser (audit.trail.params) for `attest register training --param/--params` and the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.errors import InputError
from audit.trail import Workspace
from audit.trail.params import (
    ParameterError,
    param_value,
    params_from_file,
    params_from_items,
    params_from_pairs,
    params_from_text,
)
from cli.main import main


def test_values_are_json_when_they_can_be_else_text() -> None:
    assert params_from_items(
        ["max_depth=6", "lr=0.1", "early=true", "solver=lbfgs", "ids=[1, 2]", 'name="x"', "empty=", "expr=a=b", " spaced = 3"]
    ) == {
        "max_depth": 6,
        "lr": 0.1,
        "early": True,
        "solver": "lbfgs",
        "ids": [1, 2],
        "name": "x",
        "empty": "",
        "expr": "a=b",
        "spaced": 3,
    }
    assert param_value("null") is None and param_value("1e-3") == 0.001
    assert params_from_items(["a=1", "a=2"]) == {"a": 2}  # a later KEY replaces an earlier one, as --param does


@pytest.mark.parametrize("item, says", [("oops", "has no '='"), ("=6", "no KEY"), ("  =6", "no KEY")])
def test_a_bad_pair_is_a_clear_input_error(item: str, says: str) -> None:
    with pytest.raises(ParameterError) as info:
        params_from_items(["ok=1", item])
    assert isinstance(info.value, InputError)  # exit 2 in the CLI, a warning (not a crash) in the app
    assert says in info.value.message and f"'{item}'" in info.value.message and "KEY=VALUE" in info.value.hint


def test_pairs_from_a_table_and_typed_text() -> None:
    assert params_from_pairs([("max_depth", "6"), ("solver", "lbfgs; fast")]) == {"max_depth": 6, "solver": "lbfgs; fast"}
    with pytest.raises(ParameterError, match="no KEY"):
        params_from_pairs([("", "6")])
    assert params_from_text("") == {} and params_from_text("  \n ") == {}
    assert params_from_text("max_depth=6\nsolver=lbfgs; lr=0.1") == {"max_depth": 6, "solver": "lbfgs", "lr": 0.1}
    assert params_from_text('{"max_depth": 6}') == {"max_depth": 6}
    with pytest.raises(ParameterError, match="not valid JSON"):
        params_from_text("{max_depth: 6}")
    with pytest.raises(ParameterError, match="not KEY=VALUE"):
        params_from_text("max_depth 6")


def test_files(tmp_path: Path) -> None:
    good = tmp_path / "p.json"
    good.write_text(json.dumps({"max_depth": 6, "solver": "lbfgs"}))
    assert params_from_file(good) == {"max_depth": 6, "solver": "lbfgs"}
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ParameterError, match="not a JSON object"):
        params_from_file(listed)
    with pytest.raises(ParameterError, match="Cannot read parameters"):
        params_from_file(tmp_path / "absent.json")


def test_cli_and_app_job_record_the_same_params(capsys, tmp_path: Path, files) -> None:
    from gui import workspace_jobs

    base = tmp_path / "base.json"
    base.write_text(json.dumps({"max_depth": 4, "seed": 1}))
    cli_ws = tmp_path / "cli.attest"
    assert (
        main(
            [
                "register",
                "training",
                "--model",
                str(files["model"]),
                "--dataset",
                str(files["train"]),
                "--params",
                str(base),
                "--param",
                "max_depth=6",
                "--param",
                "solver=lbfgs",
                "--workspace",
                str(cli_ws),
            ]
        )
        == 0
    )
    app_ws = tmp_path / "app.attest"
    with Workspace.open(app_ws):
        pass
    workspace_jobs.record_training(
        str(app_ws),
        str(files["model"]),
        [str(files["train"])],
        params_text=base.read_text(),
        param_pairs=[("max_depth", "6"), ("solver", "lbfgs")],
        progress=lambda *a: None,
        cancel=None,
    )
    with Workspace.open(cli_ws, create=False) as c, Workspace.open(app_ws, create=False) as a:
        (ec,), (ea,) = c.events(kind="training_recorded"), a.events(kind="training_recorded")
    assert ec.payload["params"] == ea.payload["params"] == {"max_depth": 6, "seed": 1, "solver": "lbfgs"}

    capsys.readouterr()
    assert (
        main(
            [
                "register",
                "training",
                "--model",
                str(files["model"]),
                "--dataset",
                str(files["train"]),
                "--param",
                "=6",
                "--workspace",
                str(cli_ws),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "'=6' has no KEY" in err and "--param max_depth=6" in err
    with Workspace.open(cli_ws, create=False) as c:
        assert len(c.events(kind="training_recorded")) == 1  # nothing recorded for the bad pair
