"""Native model files: LightGBM text, XGBoost JSON/UBJ and ONNX. None of these formats runs code when loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from audit.errors import ModelError, UnsupportedModel
from audit.models.base import LoadedModel
from audit.models.binding import bind
from audit.models.probe import short_error

if TYPE_CHECKING:
    import onnxruntime as ort


def _two_col(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    q = np.asarray(p, dtype=np.float64).reshape(-1)
    return np.column_stack([1.0 - q, q])


def load_lightgbm(path: Path, base: dict[str, Any], positive_label: Any, threshold: float | None) -> LoadedModel:
    import lightgbm as lgb

    _check_lightgbm_complete(path)
    try:
        booster = lgb.Booster(model_file=str(path))
    except Exception as exc:
        raise ModelError(
            f"{path.name} is not a readable LightGBM model ({short_error(exc)}).",
            "The file may be truncated; save it again with booster.save_model().",
        ) from exc
    objective = str(booster.dump_model(num_iteration=1).get("objective", ""))
    if not objective.startswith(("binary", "cross_entropy")):
        raise UnsupportedModel(
            f"The LightGBM model's objective is '{objective}'; Attest audits binary classifiers only (for now).",
            "Audit a model trained with objective='binary'.",
        )
    features = tuple(booster.feature_name())
    fields = dict(
        base,
        model_type=f"lightgbm.Booster({objective.split()[0]})",
        family="tree",
        features=features,
        library_versions={"lightgbm": lgb.__version__},
    )
    return bind(
        ref_fields=fields,
        estimator=booster,
        classes=(0, 1),
        positive_label=_booster_positive(positive_label),
        proba=lambda X: _two_col(np.asarray(booster.predict(X[list(features)]))),
        predict=None,
        threshold=threshold,
        extra={"class_assumption": "booster class 1 taken as the positive label"},
    )


def load_xgboost(path: Path, base: dict[str, Any], positive_label: Any, threshold: float | None) -> LoadedModel:
    import xgboost as xgb

    _check_ubjson_complete(path)
    booster = xgb.Booster()
    try:
        booster.load_model(str(path))
    except Exception as exc:
        raise ModelError(
            f"{path.name} is not a readable XGBoost model ({short_error(exc)}).",
            "Save it again with booster.save_model('model.json').",
        ) from exc
    objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    if objective not in {"binary:logistic", "reg:logistic"}:
        raise UnsupportedModel(
            f"The XGBoost model's objective is '{objective}'; Attest audits binary classifiers (binary:logistic) only (for now).",
            "Audit a binary:logistic model.",
        )
    if not booster.feature_names:
        raise ModelError(
            f"The XGBoost model in {path.name} has no feature names, so its inputs cannot be matched to columns.",
            "Train it on a pandas DataFrame (or set booster.feature_names) and save it again.",
        )
    features = tuple(booster.feature_names)

    def proba(X: pd.DataFrame) -> npt.NDArray[np.float64]:
        return _two_col(booster.predict(xgb.DMatrix(X[list(features)], enable_categorical=True)))

    fields = dict(
        base,
        model_type=f"xgboost.Booster({objective})",
        family="tree",
        features=features,
        library_versions={"xgboost": xgb.__version__},
    )
    return bind(
        ref_fields=fields,
        estimator=booster,
        classes=(0, 1),
        positive_label=_booster_positive(positive_label),
        proba=proba,
        predict=None,
        threshold=threshold,
        extra={"class_assumption": "booster class 1 taken as the positive label"},
    )


def check_complete(fmt: str, path: Path) -> None:
    """Refuse a LightGBM text or XGBoost UBJSON file that was cut short, naming what is missing."""
    if fmt == "lightgbm":
        _check_lightgbm_complete(path)
    elif fmt == "xgboost":
        _check_ubjson_complete(path)


def _check_lightgbm_complete(path: Path) -> None:
    # LightGBM aborts or segfaults the whole process (not an exception) on a text model cut short anywhere before its
    # final "end of parameters" line, so an incomplete file must never reach it.
    data = path.read_bytes()
    missing = [m for m in ("end of trees", "end of parameters") if f"\n{m}".encode() not in data]
    if data.lstrip().startswith(b"tree") and missing:
        raise ModelError(
            f"{path.name} is an incomplete LightGBM model: the '{missing[0]}' line is missing, so the file was cut short.",
            "The file is probably truncated; copy it again, or save it again with booster.save_model() (LightGBM 3 or later).",
        )


_UBJ_FIXED = {b"Z": 0, b"N": 0, b"T": 0, b"F": 0, b"i": 1, b"U": 1, b"C": 1, b"I": 2, b"l": 4, b"d": 4, b"L": 8, b"D": 8}
_UBJ_INT = {b"i": ">b", b"U": ">B", b"I": ">h", b"l": ">i", b"L": ">q"}


def _check_ubjson_complete(path: Path) -> None:
    """XGBoost segfaults (or allocates without bound) on a truncated UBJSON model; walk its structure first."""
    data = path.read_bytes()
    if not data.startswith(b"{") or (len(data) > 1 and data[1:2] not in (*_UBJ_INT, b"$", b"#")):
        return  # JSON (or not XGBoost at all): XGBoost reports damage in text models as a normal error
    try:
        end = _ubj_walk(data)
    except (IndexError, ValueError, KeyError, RecursionError) as exc:
        reason = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
        reason = reason or "the file ends in the middle of a value"
        raise ModelError(
            f"{path.name} is a damaged XGBoost UBJSON model ({reason}).",
            "The file is probably truncated; copy it again, or save it again with booster.save_model('model.ubj').",
        ) from exc
    if end != len(data):
        raise ModelError(
            f"{path.name} is a damaged XGBoost UBJSON model ({len(data) - end} stray bytes after its end).",
            "Save it again with booster.save_model('model.ubj').",
        )


def _ubj_walk(data: bytes) -> int:
    """Position just after the one UBJSON value at the start of `data`; IndexError/ValueError when it is incomplete."""
    import struct

    n = len(data)

    def need(pos: int, k: int) -> int:
        if k < 0 or pos + k > n:
            raise IndexError("the file ends in the middle of a value")
        return pos + k

    def integer(pos: int) -> tuple[int, int]:
        t = data[pos : pos + 1]
        if t not in _UBJ_INT:
            raise ValueError(f"bad length marker at byte {pos}")
        size = _UBJ_FIXED[t]
        need(pos + 1, size)
        return struct.unpack(_UBJ_INT[t], data[pos + 1 : pos + 1 + size])[0], pos + 1 + size

    def value(pos: int, t: bytes | None = None) -> int:
        if t is None:
            need(pos, 1)
            t, pos = data[pos : pos + 1], pos + 1
        if t in _UBJ_FIXED:
            return need(pos, _UBJ_FIXED[t])
        if t in (b"S", b"H"):
            length, pos = integer(pos)
            return need(pos, length)
        if t in (b"[", b"{"):
            return container(pos, t == b"{")
        raise ValueError(f"unknown type marker {t!r} at byte {pos - 1}")

    def container(pos: int, is_object: bool) -> int:
        close = b"}" if is_object else b"]"
        typ = None
        if data[pos : pos + 1] == b"$":
            need(pos, 2)
            typ, pos = data[pos + 1 : pos + 2], pos + 2
        if data[pos : pos + 1] == b"#":
            count, pos = integer(pos + 1)
            if typ in _UBJ_FIXED and not is_object:
                return need(pos, count * _UBJ_FIXED[typ])
            for _ in range(count):
                if is_object:
                    klen, pos = integer(pos)
                    pos = need(pos, klen)
                pos = value(pos, typ)
            return pos
        while True:
            need(pos, 1)
            if data[pos : pos + 1] == close:
                return pos + 1
            if is_object:
                klen, pos = integer(pos)
                pos = need(pos, klen)
            pos = value(pos)

    return value(0)


def _booster_positive(positive_label: Any) -> Any:
    # Boosters only know classes 0/1: a positive label of 0 means the favourable class is 0; anything else maps to 1.
    from audit.models.binding import same_label

    return 0 if same_label(positive_label, 0) or same_label(positive_label, False) else 1


_ONNX_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": bool,
}


def onnx_session(path: Path) -> ort.InferenceSession:
    """An onnxruntime session on the CPU only, with onnxruntime's own log kept to errors."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def load_onnx(path: Path, base: dict[str, Any], positive_label: Any, threshold: float | None) -> LoadedModel:
    import onnxruntime as ort

    try:
        sess = onnx_session(path)
    except Exception as exc:
        raise ModelError(
            f"{path.name} is not a readable ONNX model ({short_error(exc)}).", "The file may be truncated; export it again."
        ) from exc
    inputs = sess.get_inputs()
    meta = sess.get_modelmeta().custom_metadata_map
    if (
        len(inputs) == 1
        and len(inputs[0].shape) == 2
        and inputs[0].shape[1] not in (1, None)
        and inputs[0].type != "tensor(string)"
    ):
        names = meta.get("feature_names")
        if not names:
            raise ModelError(
                f"The ONNX model in {path.name} takes one {inputs[0].shape[1]}-column tensor and does not say which columns.",
                "Add metadata 'feature_names' (a JSON list or comma-separated) to the model, "
                "or export with one input per column.",
            )
        features = tuple(json.loads(names) if names.startswith("[") else [n.strip() for n in names.split(",")])
        dtype = _ONNX_TYPES.get(inputs[0].type, np.float32)

        def feed(X: pd.DataFrame) -> dict[str, npt.NDArray[np.generic]]:
            return {inputs[0].name: X[list(features)].to_numpy(dtype=dtype)}
    else:
        features = tuple(i.name for i in inputs)

        def feed(X: pd.DataFrame) -> dict[str, npt.NDArray[np.generic]]:
            out = {}
            for i in inputs:
                col = X[i.name]
                dt = _ONNX_TYPES.get(i.type, np.float32)
                out[i.name] = (col.astype(str) if dt is object else col).to_numpy(dtype=dt).reshape(-1, 1)
            return out

    outs = sess.get_outputs()
    label_out = next((o.name for o in outs if "label" in o.name.lower()), outs[0].name)
    prob_out = next((o.name for o in outs if "prob" in o.name.lower()), None)
    classes = _onnx_classes(meta, path)

    def run(X: pd.DataFrame) -> tuple[npt.NDArray[np.generic], Any]:  # (labels, onnxruntime's probabilities output)
        res = sess.run([label_out] + ([prob_out] if prob_out else []), feed(X))
        return np.asarray(res[0]).reshape(-1), (res[1] if prob_out else None)

    def proba(X: pd.DataFrame) -> npt.NDArray[np.float64]:
        _, p = run(X)
        if isinstance(p, list):  # ZipMap output: a list of {class: probability}
            keys = list(p[0].keys())
            return np.array([[row[k] for k in keys] for row in p], dtype=float)
        return np.asarray(p, dtype=float)

    fields = dict(base, model_type="onnx", family="other", features=features, library_versions={"onnxruntime": ort.__version__})
    return bind(
        ref_fields=fields,
        estimator=sess,
        classes=classes,
        positive_label=positive_label,
        proba=proba if prob_out else None,
        predict=lambda X: run(X)[0],
        threshold=threshold,
    )


def _onnx_classes(meta: dict[str, str], path: Path) -> tuple[Any, ...]:
    if "classes" in meta:
        raw = meta["classes"]
        return tuple(json.loads(raw) if raw.startswith("[") else raw.split(","))
    # skl2onnx stores classes in the classifier node's attributes; read them from the graph without running anything.
    import onnx

    model = onnx.load(str(path))
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.name == "classlabels_int64s" and attr.ints:
                return tuple(int(v) for v in attr.ints)
            if attr.name == "classlabels_strings" and attr.strings:
                return tuple(s.decode() for s in attr.strings)
    return (0, 1)
