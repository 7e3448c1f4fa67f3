"""A skops file edited to run code on load is refused, and the code never runs (issue 11 item 1).

Each variant adds one node to a good model's schema.json that, if skops constructed it, would create a marker file:
exec and eval of Python source, os.system, a getattr chain, NumPy and SciPy callables that write files, and a
scikit-learn function under the once-trusted `sklearn.` prefix. The marker must never appear; the message must say why.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.bad_inputs.test_bad_inputs import _argv, model, run_cli


def _s(text: str) -> dict:
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(text),
        "is_json": True,
        "__id__": 1,
    }


def _call(module: str, name: str, *args: dict) -> dict:
    """A node skops turns into `module.name(*args)` when it loads the file."""
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": list(args)},
    }


def _list(*items: dict) -> dict:
    return {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": list(items)}


_one = {"__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "1", "is_json": True, "__id__": 4}


def _dict() -> dict:
    empty = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []}
    return {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}, "key_types": empty}


def _func(module: str, name: str) -> dict:
    return {"__class__": name, "__module__": module, "__loader__": "FunctionNode", "__id__": 2}


def _payloads(marker: Path) -> dict[str, dict]:
    m = str(marker)
    array = _list(_s("1"))
    return {
        "builtins_exec": _call("builtins", "exec", _s(f"open({m!r}, 'w').write('ran')")),
        "builtins_eval": _call("builtins", "eval", _s(f"open({m!r}, 'w').write('ran')")),
        "os_system": _call("os", "system", _s(f"touch {m}")),
        "getattr_chain": _call("builtins", "getattr", _call("builtins", "__import__", _s("os")), _s("system")),
        "dunder_method": {
            "__class__": "str",
            "__module__": "builtins",
            "__loader__": "MethodNode",
            "content": {"obj": _s("x"), "func": "__class__"},
        },
        "numpy_savetxt": _call("numpy", "savetxt", _s(m), array),
        "scipy_savemat": _call("scipy.io", "savemat", _s(m), _dict()),
        "sklearn_prefix_writer": _call("sklearn.datasets", "dump_svmlight_file", _list(_list(_one)), _list(_one), _s(m)),
        "partial_around_system": {
            "__class__": "partial",
            "__module__": "functools",
            "__loader__": "PartialNode",
            "content": {
                "func": _func("os", "system"),
                "args": {
                    "__class__": "tuple",
                    "__module__": "builtins",
                    "__loader__": "TupleNode",
                    "content": [_s(f"touch {m}")],
                },
                "kwds": _dict(),
                "namespace": _s("null"),
            },
        },
    }


def _evil_copy(good: Path, dest: Path, node: dict) -> Path:
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "schema.json":
                schema = json.loads(data)
                attrs = schema["content"]
                attrs["content"]["_attest_probe"] = node
                if "key_types" in attrs:  # skops pairs keys with their types; an unpaired key would be dropped unbuilt
                    attrs["key_types"]["content"].append(
                        {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": 3}
                    )
                data = json.dumps(schema).encode()
            zout.writestr(info, data)
    return dest


VARIANTS = sorted(_payloads(Path("m")))
# Variants that no --trust-type can unlock; the rest ask for the user's trust like any unknown type.
NEVER = {
    "builtins_exec",
    "builtins_eval",
    "os_system",
    "getattr_chain",
    "dunder_method",
    "numpy_savetxt",
    "scipy_savemat",
    "partial_around_system",
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_edited_skops_never_runs_its_code(variant, corpus, tmp_path, capsys):
    marker = tmp_path / "marker"
    evil = _evil_copy(corpus / "good_model.skops", tmp_path / f"{variant}.skops", _payloads(marker)[variant])
    before = evil.read_bytes()
    out = tmp_path / "r.json"
    rc, _, err = run_cli(_argv(model(str(evil)), corpus, out), capsys)
    assert rc == 2, err
    assert not marker.exists(), f"{variant}: the file's code ran"
    assert "Traceback" not in err and not out.exists()
    assert evil.read_bytes() == before
    if variant in NEVER:
        assert "never loads it, with or without --trust-type" in err, err
    else:
        assert (
            "--trust-type sklearn.datasets._svmlight_format_io.dump_svmlight_file" in err
            or "--trust-type sklearn.datasets" in err
        ), err


@pytest.mark.parametrize("variant", sorted(NEVER))
def test_trusting_a_dangerous_callable_does_not_unlock_it(variant, corpus, tmp_path, capsys):
    from audit.models.allowlist import never_trusted

    marker = tmp_path / "marker"
    node = _payloads(marker)[variant]
    evil = _evil_copy(corpus / "good_model.skops", tmp_path / f"{variant}.skops", node)
    import skops.io as sio

    asked = sio.get_untrusted_types(file=str(evil))
    assert any(never_trusted(t) for t in asked), asked
    argv = model(str(evil), *[a for t in asked for a in ("--trust-type", t)])
    rc, _, err = run_cli(_argv(argv, corpus, tmp_path / "r.json"), capsys)
    assert rc == 2 and not marker.exists(), err
    assert "never loads it" in err


def test_the_payloads_do_run_when_skops_is_told_to_trust_them(corpus, tmp_path):
    """Without this the marker tests could pass because the payloads are broken: trusting everything runs them."""
    import skops.io as sio

    ran = []
    for variant in ("builtins_exec", "numpy_savetxt", "sklearn_prefix_writer"):
        marker = tmp_path / f"marker_{variant}"
        evil = _evil_copy(corpus / "good_model.skops", tmp_path / f"{variant}.skops", _payloads(marker)[variant])
        try:
            sio.load(str(evil), trusted=sio.get_untrusted_types(file=str(evil)))
        except Exception:
            pass  # the payload runs during construction; what the loader does after it is irrelevant
        ran.append(marker.exists())
    assert ran == [True, True, True]


def test_a_user_trusted_type_is_recorded_as_trusted(corpus, tmp_path, capsys):
    rc, _, err = run_cli(
        _argv(model("foreign_types.skops", "--trust-type", "acme_vendor_models.Passthrough"), corpus, tmp_path / "r.json"), capsys
    )
    assert rc in (0, 1), err  # 1: a check failed; the model loaded
    m = json.loads((tmp_path / "r.json").read_text())["model"]
    assert m["trusted"] is True and m["trusted_types"] == ["acme_vendor_models.Passthrough"]


def test_reviewed_types_load_without_asking_and_are_not_user_trust(tmp_path):
    """A calibrated classifier and a categorical HistGradientBoosting need reviewed internal types; no flag, no trust flag."""
    import numpy as np
    import pandas as pd
    import skops.io as sio
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.svm import LinearSVC

    from audit.models.loader import load_model

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=200), "c": pd.Categorical(rng.choice(["x", "y"], 200))})
    y = (X.a > 0).astype(int)
    for name, est in {
        "cal": CalibratedClassifierCV(LinearSVC()).fit(X[["a"]], y),
        "hgb": HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype").fit(X, y),
    }.items():
        path = tmp_path / f"{name}.skops"
        sio.dump(est, path)
        assert sio.get_untrusted_types(file=str(path)), "the case must exercise the reviewed list"
        loaded = load_model(path, positive_label=1)
        assert loaded.ref.trusted is False and loaded.ref.trusted_types == ()


def test_zip_bomb_schema_is_refused_before_inflating(corpus, tmp_path, capsys):
    bomb = tmp_path / "bomb.skops"
    with zipfile.ZipFile(corpus / "good_model.skops") as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "schema.json":
                zout.writestr(info.filename, zin.read(info))
        with zout.open("schema.json", "w", force_zip64=True) as fh:
            chunk = b" " * 2**20
            for _ in range(80):  # 80 MiB of spaces: valid JSON padding, over the 64 MiB limit
                fh.write(chunk)
            fh.write(zin.read("schema.json"))
    rc, _, err = run_cli(_argv(model(str(bomb)), corpus, tmp_path / "r.json"), capsys)
    assert rc == 2
    assert "schema.json inflates to 80 MiB (limit 64 MiB)" in err, err
