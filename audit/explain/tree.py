"""Exact path-dependent TreeSHAP through public APIs: shap's TreeExplainer for scikit-learn trees, the libraries' own
pred_contrib for LightGBM/XGBoost, and Attest's leaf-pattern TreeSHAP (leafpatterns.py) wherever it reproduces those
values on the run's probe rows (1e-9; XGBoost: its float32 rounding)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.explain.backend import Backend, as_model_input, column_owners, dense, positive_index, rows_frame, transform
from audit.explain.choose import SHAP_TREES, Choice
from audit.models.base import LoadedModel
from audit.parallel import Shipped
from audit.stats.arrays import FloatArray, Positions

_PROBE_ROWS = 32  # rows every run compares the fast kernel with the library on
_EXACT = 1e-9
_SHAP_WORKER_START_S = 6.0  # a worker process imports shap and scikit-learn and reads the trees before its first batch


class ShapTree:
    """shap.TreeExplainer(model).shap_values, public arguments only. Picklable (the explainer is rebuilt where it is
    needed), so a worker process can share the batches. Raw results: (rows, features + 1, outputs), base value last."""

    def __init__(self, final: Any, pos: int, raw_margin: bool, explainer: Any = None) -> None:
        self.final, self.pos, self.raw_margin = final, pos, raw_margin
        self.explainer = explainer

    def __getstate__(self) -> dict[str, Any]:
        return {"final": self.final, "pos": self.pos, "raw_margin": self.raw_margin, "explainer": None}

    def __call__(self, X: FloatArray) -> FloatArray:
        if self.explainer is None:
            import shap

            self.explainer = shap.TreeExplainer(self.final)
        vals = self.explainer.shap_values(X, check_additivity=False)
        vals = np.stack(vals, axis=-1) if isinstance(vals, list) else np.asarray(vals, dtype=np.float64)
        if vals.ndim == 2:
            vals = vals[:, :, None]
        expected = np.atleast_1d(np.asarray(self.explainer.expected_value, dtype=np.float64)).reshape(1, 1, -1)
        return np.concatenate([vals, np.broadcast_to(expected, (vals.shape[0], 1, vals.shape[2]))], axis=1)

    def output(self, n_outputs: int) -> tuple[int, float]:
        """(output column, sign): the favourable class's column, or the one margin negated for classes_[0]."""
        return (0 if n_outputs == 1 else self.pos), (-1.0 if self.raw_margin and self.pos == 0 else 1.0)

    def finish(self, X: FloatArray, raw: FloatArray) -> tuple[FloatArray, FloatArray, None]:
        k, sign = self.output(raw.shape[2])
        return sign * raw[:, :-1, k], sign * raw[:, -1, k], None  # outputs: once for all rows, by the model itself


class SklearnOutputs:
    """The model's own output in the explained space, computed independently of the attributions."""

    def __init__(self, final: Any, pos: int) -> None:
        self.final, self.pos = final, pos
        self.raw_margin = SHAP_TREES[type(final).__name__] == "raw"

    def __call__(self, X: FloatArray) -> FloatArray:
        from threadpoolctl import threadpool_limits

        Xm = as_model_input(self.final, X)
        with threadpool_limits(1):  # sklearn's OpenMP prediction crawls when another program holds the second core
            if self.raw_margin:
                sign = -1.0 if self.pos == 0 else 1.0
                return sign * np.asarray(self.final.decision_function(Xm), dtype=np.float64).reshape(-1)
            return np.asarray(self.final.predict_proba(Xm), dtype=np.float64)[:, self.pos]


class PatternKernel:
    """Leaf-pattern TreeSHAP values (audit.explain.leafpatterns) with the favourable class's sign."""

    def __init__(self, trees: Any, sign: float, offset: float = 0.0, float32: bool = False) -> None:
        self.trees, self.sign, self.offset, self.float32 = trees, sign, offset, float32

    def __call__(self, Xt: Any) -> tuple[FloatArray, FloatArray, None]:
        from audit.explain import leafpatterns

        X = leafpatterns.float32_rows(dense(Xt)) if self.float32 else dense(Xt)
        phi, base = leafpatterns.shap_values(self.trees, X)
        return self.sign * phi, self.sign * (base + self.offset), None


def _agree(fast: tuple[FloatArray, FloatArray, Any], ref: tuple[FloatArray, FloatArray, Any], atol: Any) -> bool:
    return bool(np.all(np.abs(fast[0] - ref[0]) <= atol) and np.all(np.abs(fast[1] - ref[1]) <= np.max(atol)))


def sklearn_kernel(shap_tree: ShapTree, probe: FloatArray, rows: int) -> tuple[PatternKernel, str] | None:
    """The leaf-pattern kernel on the trees shap's TreeExplainer parsed, used only if it gives shap's values on the
    probe rows (1e-9); else None (shap's own routine)."""
    categorical = getattr(shap_tree.final, "is_categorical_", None)  # HistGradientBoosting's public fitted mask
    if categorical is not None and bool(np.any(categorical)):
        return None  # shap reads these splits as thresholds: its own routine, as before, and its additivity check
    try:
        from audit.explain import leafpatterns

        ref = shap_tree.finish(probe, shap_tree(probe))
        ensemble = shap_tree.explainer.model  # shap's parsed trees (TreeEnsemble; SingleTree documents the arrays)
        k, sign = shap_tree.output(int(ensemble.num_outputs))
        trees = leafpatterns.from_shap_trees(ensemble, k, rows_hint=rows)
        if trees is None:
            return None
        kernel = PatternKernel(trees, sign)
        if not _agree(kernel(probe), ref, _EXACT):
            return None
    except Exception:
        return None
    import numba
    import shap

    return kernel, (
        f"Attest leaf-pattern TreeSHAP (numba {numba.__version__}); equal to shap {shap.__version__} "
        "TreeExplainer on the probe rows"
    )


class LightGBMKernel:
    """LightGBM's own TreeSHAP (OpenMP over rows). Outputs come once for all rows: every call pays a thread barrier."""

    def __init__(self, est: Any, sign: float) -> None:
        self.est, self.sign = est, sign

    def __call__(self, Xt: Any) -> tuple[FloatArray, FloatArray, None]:
        contrib = np.asarray(self.est.predict(Xt, pred_contrib=True), dtype=np.float64)
        return self.sign * contrib[:, :-1], self.sign * contrib[:, -1], None

    def outputs(self, Xt: Any) -> FloatArray:
        return self.sign * np.asarray(self.est.predict(Xt, raw_score=True), dtype=np.float64).reshape(-1)


class LeafPatternKernel(PatternKernel, LightGBMKernel):
    """Attest's leaf-pattern TreeSHAP on a LightGBM model: LightGBM's pred_contrib values, about three times faster.
    Outputs still come from LightGBM's own prediction (LightGBMKernel.outputs), so additivity checks the algorithm."""

    def __init__(self, est: Any, trees: Any, sign: float) -> None:
        PatternKernel.__init__(self, trees, sign)
        self.est = est


def lightgbm_kernel(est: Any, sign: float, probe: Any, rows: int) -> tuple[Any, str]:
    """The leaf-pattern kernel where it reproduces LightGBM's pred_contrib on the probe rows to 1e-9 (numerical splits,
    plain float columns), else LightGBM's own routine; with the `library` text for the result."""
    import lightgbm

    own = LightGBMKernel(est, sign)
    own_text = f"lightgbm {lightgbm.__version__} pred_contrib"
    booster = est.booster_ if hasattr(est, "booster_") else est
    if getattr(booster, "pandas_categorical", None):
        return own, own_text  # LightGBM recodes pandas categories itself
    try:
        from audit.explain import leafpatterns

        trees = leafpatterns.from_lightgbm(est, rows_hint=rows)
        if trees is None:
            return own, own_text
        fast = LeafPatternKernel(est, trees, sign)
        if not _agree(fast(probe), own(probe), _EXACT):
            return own, own_text
    except Exception:
        return own, own_text
    import numba

    return fast, (
        f"Attest leaf-pattern TreeSHAP (numba {numba.__version__}); equal to lightgbm {lightgbm.__version__} "
        "pred_contrib on the probe rows"
    )


class XGBoostKernel:
    def __init__(self, booster: Any, sign: float, iteration_range: tuple[int, int]) -> None:
        self.booster, self.sign, self.iteration_range = booster, sign, iteration_range

    def _predict(self, Xt: Any, **kw: Any) -> FloatArray:
        import xgboost as xgb

        dm = xgb.DMatrix(Xt, enable_categorical=True)
        return np.asarray(
            self.booster.predict(dm, iteration_range=self.iteration_range, validate_features=False, **kw), dtype=np.float64
        )

    def __call__(self, Xt: Any) -> tuple[FloatArray, FloatArray, None]:
        contrib = self._predict(Xt, pred_contribs=True)
        return self.sign * contrib[:, :-1], self.sign * contrib[:, -1], None

    def outputs(self, Xt: Any) -> FloatArray:
        return self.sign * self._predict(Xt, output_margin=True).reshape(-1)


class XGBoostPatternKernel(PatternKernel):
    """Leaf-pattern TreeSHAP on an XGBoost model's trees; the outputs from XGBoost's own prediction."""

    def __init__(self, own: XGBoostKernel, trees: Any) -> None:
        super().__init__(trees, own.sign, float32=True)
        self.outputs = own.outputs


def xgboost_kernel(own: XGBoostKernel, probe: Any, rows: int) -> tuple[Any, str]:
    """The leaf-pattern kernel where it reproduces XGBoost's pred_contribs on the probe rows (XGBoost computes in
    float32: to 1e-6 relative to the margin, as the additivity bound), else XGBoost's own routine."""
    import xgboost

    own_text = f"xgboost {xgboost.__version__} pred_contribs"
    if isinstance(probe, pd.DataFrame) and not all(pd.api.types.is_numeric_dtype(t) for t in probe.dtypes):
        return own, own_text  # categories: XGBoost recodes them itself
    try:
        from audit.explain import leafpatterns

        trees = leafpatterns.from_xgboost(own.booster, own.iteration_range, rows_hint=rows)
        if trees is None:
            return own, own_text
        fast = XGBoostPatternKernel(own, trees)
        margin = own.outputs(probe)
        if not _agree(fast(probe), own(probe), 1e-6 * np.maximum(1.0, np.abs(margin))[:, None]):
            return own, own_text
    except Exception:
        return own, own_text
    import numba

    return fast, (
        f"Attest leaf-pattern TreeSHAP (numba {numba.__version__}, float64); equal to xgboost "
        f"{xgboost.__version__} pred_contribs (float32) on the probe rows"
    )


def prepare(choice: Choice, model: LoadedModel, X: pd.DataFrame) -> Backend:
    features = list(model.features)
    pos = positive_index(model)
    sign = 1.0 if pos == 1 else -1.0
    probe = transform(choice.preprocess, rows_frame(X, features, np.arange(min(len(X), _PROBE_ROWS))))
    columns, owners, warnings = column_owners(choice.preprocess, features, probe.shape[1])

    def dense_payload(rows: Positions) -> FloatArray:
        return dense(transform(choice.preprocess, rows_frame(X, features, rows)))

    if choice.method == "sklearn_tree":
        import shap  # lazy: ~3.5 s of import

        # Reads the trees now: a model shap cannot read fails here, before any budget is spent.
        tree = ShapTree(choice.final, pos, SHAP_TREES[type(choice.final).__name__] == "raw", shap.TreeExplainer(choice.final))
        outputs = SklearnOutputs(choice.final, pos)
        outputs(dense(probe))
        fast = sklearn_kernel(tree, dense(probe), len(X))
        if fast is not None:
            fast_kernel, library = fast
            return Backend(
                fast_kernel,
                dense_payload,
                columns,
                owners,
                library,
                outputs=lambda rows: outputs(dense_payload(rows)),
                probe_rows=256,
                warnings=warnings,
            )
        return Backend(
            tree,
            dense_payload,
            columns,
            owners,
            f"shap {shap.__version__} TreeExplainer",
            finish=tree.finish,
            outputs=lambda rows: outputs(dense_payload(rows)),
            shipped=Shipped(tree),
            worker_start_s=_SHAP_WORKER_START_S,
            probe_rows=32,
            warnings=warnings,
        )

    def native_payload(rows: Positions) -> Any:
        return transform(choice.preprocess, rows_frame(X, features, rows))

    kernel: Any
    if choice.method == "lightgbm":
        # shap.TreeExplainer hands LightGBM models to LightGBM's pred_contrib (classic TreeSHAP, O(L*D^2) per row and
        # tree); the leaf-pattern algorithm gives the same values in O(L*D) after a per-model table.
        kernel, library = lightgbm_kernel(choice.final, sign, probe, len(X))
    else:
        final = choice.final
        booster = final.get_booster() if hasattr(final, "get_booster") else final
        kernel, library = xgboost_kernel(XGBoostKernel(booster, sign, _iteration_range(final)), probe, len(X))
    kernel(probe)
    return Backend(
        kernel,
        native_payload,
        columns,
        owners,
        library,
        outputs=lambda rows: kernel.outputs(native_payload(rows)),
        probe_rows=256,
        warnings=warnings,
    )


def _iteration_range(final: Any) -> tuple[int, int]:
    # The sklearn wrapper predicts with the best iteration after early stopping; explain the same trees.
    if not hasattr(final, "get_booster"):
        return (0, 0)
    try:
        best = final.best_iteration
    except Exception:
        return (0, 0)
    return (0, int(best) + 1) if best is not None else (0, 0)
