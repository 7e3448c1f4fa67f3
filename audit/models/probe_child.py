"""The child side of `audit.models.probe`: `python -m audit.models.probe_child FORMAT PATH` opens one native model file.

Prints one JSON line, {"ok": true} or {"error": "..."}; a crash of the native library ends this process only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit.models.probe import short_error


def check_xgboost_trees(model: dict[str, Any]) -> None:
    """Every node reachable from each tree's root has in-range children, no cycles, and a split on an existing feature."""
    learner = model["learner"]
    n_features = int(learner["learner_model_param"]["num_feature"])
    for t, tree in enumerate(learner["gradient_booster"]["model"]["trees"]):
        n = int(tree["tree_param"]["num_nodes"])
        left, right, split = tree["left_children"], tree["right_children"], tree["split_indices"]
        if not (len(left) == len(right) == len(split) == len(tree["base_weights"]) == n) or n < 1:
            raise ValueError(f"tree {t} declares {n} nodes but its arrays hold {len(left)}/{len(right)}/{len(split)}")
        seen, stack = set(), [0]
        while stack:
            i = stack.pop()
            if i in seen:
                raise ValueError(f"tree {t} reaches node {i} twice (a loop)")
            seen.add(i)
            lo, hi = int(left[i]), int(right[i])
            if lo == -1 and hi == -1:
                continue
            if not (0 <= lo < n and 0 <= hi < n):
                raise ValueError(f"tree {t} node {i} points to child {lo if not 0 <= lo < n else hi}, outside its {n} nodes")
            if not 0 <= int(split[i]) < n_features:
                raise ValueError(f"tree {t} node {i} splits on feature {split[i]}, but the model has {n_features}")
            stack += [lo, hi]


def _child(fmt: str, path: str) -> dict[str, Any]:
    import numpy as np

    if fmt == "lightgbm":
        import lightgbm as lgb

        lgb_booster = lgb.Booster(model_file=path)
        _score_quietly(lambda: lgb_booster.predict(np.zeros((1, lgb_booster.num_feature()))))
    elif fmt == "xgboost":
        import xgboost as xgb

        xgb_booster = xgb.Booster()
        xgb_booster.load_model(path)
        check_xgboost_trees(json.loads(bytes(xgb_booster.save_raw("json"))))
        _score_quietly(
            lambda: xgb_booster.predict(
                xgb.DMatrix(
                    np.zeros((1, xgb_booster.num_features())),
                    feature_names=xgb_booster.feature_names,
                    feature_types=xgb_booster.feature_types,
                    enable_categorical=True,
                )
            )
        )
    elif fmt == "onnx":
        from audit.models.native import onnx_session

        onnx_session(Path(path))
    return {"ok": True}


def _score_quietly(score: Callable[[], object]) -> None:
    # Scoring one row is there to crash here rather than in Attest; an ordinary error (a categorical feature given 0)
    # is left for the real load, which explains it properly.
    try:
        score()
    except Exception:
        pass


if __name__ == "__main__":
    # LightGBM and XGBoost import scikit-learn when it is installed (for their sklearn wrappers, unused here); blocking
    # it makes the child start in about 1 s instead of 3, the wait a user pays for the check. ONNX does not import it.
    if "sklearn" not in sys.modules:
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # None in sys.modules blocks the import (documented)
    try:
        out = _child(sys.argv[1], sys.argv[2])
    except Exception as exc:  # a normal error: the parent reports it as a damaged file
        out = {"error": short_error(exc)}
    print(json.dumps(out), flush=True)
