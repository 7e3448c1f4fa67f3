"""Exact path-dependent TreeSHAP: shap's TreeExplainer for scikit-learn trees, the libraries' own for LightGBM/XGBoost."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.explain import _kernels
from audit.explain.backend import Backend, as_model_input, column_owners, dense, positive_index, rows_frame, transform
from audit.explain.choose import SHAP_TREES, Choice
from audit.models.base import LoadedModel

_RECORD_ROWS = 3


class ShapTree:
    """shap's compiled path-dependent TreeSHAP on a tree model shap has parsed.

    Raw results use shap's internal layout (rows, features + 1, outputs), the base value in the last column. Where
    possible the compiled routine is called directly with the arguments shap itself passed on a probe (recorded once,
    and checked to give bit-identical values), so that a bare helper process can run it too; otherwise shap's public API.
    """

    def __init__(self, explainer: Any, pos: int, raw_margin: bool, probe: np.ndarray) -> None:
        self.explainer, self.pos, self.raw_margin = explainer, pos, raw_margin
        self.cext: Any = None
        self.template = _record(explainer, probe[:_RECORD_ROWS])
        if self.template is not None:
            import shap.explainers._tree as shap_tree

            self.cext = shap_tree._cext

    def core(self, X: np.ndarray) -> np.ndarray:
        if self.template is not None:
            return _kernels.tree_shap(self.cext, self.template, X)
        return _public(self.explainer, X)

    def finish(self, X: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        k = 0 if raw.shape[2] == 1 else self.pos
        sign = -1.0 if self.raw_margin and self.pos == 0 else 1.0  # one margin, for classes_[1]
        return sign * raw[:, :-1, k], sign * raw[:, -1, k], None  # outputs: once for all rows, by the model itself

    def helper_job(self) -> tuple[str, dict[str, Any]] | None:
        if self.template is None:
            return None
        return "tree", {"cext_path": self.cext.__file__, "template": self.template}


class SklearnOutputs:
    """The model's own output in the explained space, computed independently of the attributions."""

    def __init__(self, final: Any, pos: int) -> None:
        self.final, self.pos = final, pos
        self.raw_margin = SHAP_TREES[type(final).__name__] == "raw"

    def __call__(self, X: np.ndarray) -> np.ndarray:
        from threadpoolctl import threadpool_limits

        Xm = as_model_input(self.final, X)
        with threadpool_limits(1):  # sklearn's OpenMP prediction crawls when another program holds the second core
            if self.raw_margin:
                sign = -1.0 if self.pos == 0 else 1.0
                return sign * np.asarray(self.final.decision_function(Xm), dtype=np.float64).reshape(-1)
            return np.asarray(self.final.predict_proba(Xm), dtype=np.float64)[:, self.pos]


def _public(explainer: Any, X: np.ndarray) -> np.ndarray:
    vals = explainer.shap_values(X, check_additivity=False)
    vals = np.stack(vals, axis=-1) if isinstance(vals, list) else np.asarray(vals, dtype=np.float64)
    if vals.ndim == 2:
        vals = vals[:, :, None]
    expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64)).reshape(1, 1, -1)
    return np.concatenate([vals, np.broadcast_to(expected, (vals.shape[0], 1, vals.shape[2]))], axis=1)


def _record(explainer: Any, probe: np.ndarray) -> dict[str, Any] | None:
    """The arguments shap passes to its compiled TreeSHAP, with the row-dependent ones marked; None if not usable."""
    try:
        import shap.explainers._tree as shap_tree
    except ImportError:
        return None
    real = shap_tree._cext
    calls: list[tuple[Any, ...]] = []

    class Recorder:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def dense_tree_shap(self, *args: Any) -> Any:
            calls.append(args)
            return real.dense_tree_shap(*args)

    shap_tree._cext = Recorder()
    try:
        public = _public(explainer, probe)
    finally:
        shap_tree._cext = real
    if len(calls) != 1:
        return None
    args = list(calls[0])
    n, p = probe.shape

    def find(test: Any) -> int | None:
        hits = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and test(a)]
        return hits[0] if len(hits) == 1 else None

    i_x = find(lambda a: a.shape == (n, p) and a.dtype.kind == "f" and np.array_equal(a, probe.astype(a.dtype), equal_nan=True))
    i_missing = find(lambda a: a.shape == (n, p) and a.dtype == bool)
    i_phi = find(lambda a: a.ndim == 3 and a.shape[:2] == (n, p + 1))
    if i_x is None or i_missing is None or i_phi is None:
        return None
    template = {"x_dtype": args[i_x].dtype.str, "phi_tail": tuple(args[i_phi].shape[1:]), "i_x": i_x, "i_missing": i_missing,
                "i_phi": i_phi}
    for i in (i_x, i_missing, i_phi):
        args[i] = None
    template["args"] = tuple(args)
    try:
        direct = _kernels.tree_shap(real, template, probe)
    except Exception:
        return None
    # Attributions must match shap's bit for bit; the base value may differ in the last bits (shap computes its
    # expected_value separately; the compiled routine's last column is what its attributions add up to).
    same = np.array_equal(direct[:, :-1], public[:, :-1]) and np.allclose(direct[:, -1], public[:, -1], rtol=1e-9, atol=1e-12)
    return template if same else None


class PatternKernel:
    """Leaf-pattern TreeSHAP values (audit.explain.leafpatterns) with the favourable class's sign."""

    def __init__(self, trees: Any, sign: float) -> None:
        self.trees, self.sign = trees, sign

    def __call__(self, Xt: Any) -> tuple[np.ndarray, np.ndarray, None]:
        from audit.explain import leafpatterns

        phi, base = leafpatterns.shap_values(self.trees, dense(Xt))
        return self.sign * phi, self.sign * base, None


class LightGBMKernel:
    """LightGBM's own TreeSHAP (OpenMP over rows). Outputs come once for all rows: every call pays a thread barrier."""

    def __init__(self, est: Any, sign: float) -> None:
        self.est, self.sign = est, sign

    def __call__(self, Xt: Any) -> tuple[np.ndarray, np.ndarray, None]:
        contrib = np.asarray(self.est.predict(Xt, pred_contrib=True), dtype=np.float64)
        return self.sign * contrib[:, :-1], self.sign * contrib[:, -1], None

    def outputs(self, Xt: Any) -> np.ndarray:
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
        phi, base, _ = fast(probe)
        ref_phi, ref_base, _ = own(probe)
    except Exception:  # noqa: BLE001 - an optimisation only: numba missing or failing, an unusual dump -> LightGBM's own
        return own, own_text
    if not (np.allclose(phi, ref_phi, rtol=0, atol=1e-9) and np.allclose(base, ref_base, rtol=0, atol=1e-9)):
        return own, own_text
    import numba

    return fast, (f"Attest leaf-pattern TreeSHAP (numba {numba.__version__}); equal to lightgbm {lightgbm.__version__} "
                  "pred_contrib on the probe rows")


def hgb_kernel(final: Any, tree: ShapTree, probe: np.ndarray, rows: int, sign: float) -> tuple[PatternKernel, str] | None:
    """For a HistGradientBoostingClassifier with numerical splits: the leaf-pattern kernel, used only if it gives shap's
    values on the probe rows (1e-9); else None (shap's compiled TreeSHAP, as before)."""
    if type(final).__name__ != "HistGradientBoostingClassifier":
        return None
    try:
        from audit.explain import leafpatterns

        trees = leafpatterns.from_sklearn_hgb(final, rows_hint=rows)
        if trees is None:
            return None
        kernel = PatternKernel(trees, sign)
        phi, base, _ = kernel(probe)
        ref_phi, ref_base, _ = tree.finish(probe, tree.core(probe))
    except Exception:  # noqa: BLE001 - an optimisation only: any failure keeps shap's routine
        return None
    if not (np.allclose(phi, ref_phi, rtol=0, atol=1e-9) and np.allclose(base, ref_base, rtol=0, atol=1e-9)):
        return None
    import numba
    import shap

    return kernel, (f"Attest leaf-pattern TreeSHAP (numba {numba.__version__}); equal to shap {shap.__version__} "
                    "TreeExplainer on the probe rows")


class XGBoostKernel:
    def __init__(self, booster: Any, sign: float, iteration_range: tuple[int, int]) -> None:
        self.booster, self.sign, self.iteration_range = booster, sign, iteration_range

    def _predict(self, Xt: Any, **kw: Any) -> np.ndarray:
        import xgboost as xgb

        dm = xgb.DMatrix(Xt, enable_categorical=True)
        return np.asarray(self.booster.predict(dm, iteration_range=self.iteration_range, validate_features=False, **kw),
                          dtype=np.float64)

    def __call__(self, Xt: Any) -> tuple[np.ndarray, np.ndarray, None]:
        contrib = self._predict(Xt, pred_contribs=True)
        return self.sign * contrib[:, :-1], self.sign * contrib[:, -1], None

    def outputs(self, Xt: Any) -> np.ndarray:
        return self.sign * self._predict(Xt, output_margin=True).reshape(-1)


def prepare(choice: Choice, model: LoadedModel, X: pd.DataFrame) -> Backend:
    features = list(model.features)
    pos = positive_index(model)
    sign = 1.0 if pos == 1 else -1.0
    probe = transform(choice.preprocess, rows_frame(X, features, np.arange(min(len(X), _RECORD_ROWS))))
    columns, owners, warnings = column_owners(choice.preprocess, features, probe.shape[1])

    def dense_payload(rows: np.ndarray) -> np.ndarray:
        return dense(transform(choice.preprocess, rows_frame(X, features, rows)))

    if choice.method == "sklearn_tree":
        import shap  # lazy: ~3.5 s of import

        # Reads the trees now: a model shap cannot read fails here, before any budget is spent.
        tree = ShapTree(shap.TreeExplainer(choice.final), pos, SHAP_TREES[type(choice.final).__name__] == "raw", dense(probe))
        outputs = SklearnOutputs(choice.final, pos)
        outputs(dense(probe))
        fast = hgb_kernel(choice.final, tree, dense(probe), len(X), sign)
        if fast is not None:
            kernel, library = fast
            return Backend(kernel, dense_payload, columns, owners, library, outputs=lambda rows: outputs(dense_payload(rows)),
                           probe_rows=256, warnings=warnings)
        return Backend(tree.core, dense_payload, columns, owners, f"shap {shap.__version__} TreeExplainer", finish=tree.finish,
                       outputs=lambda rows: outputs(dense_payload(rows)), helper_job=tree.helper_job(), probe_rows=32,
                       warnings=warnings)

    def native_payload(rows: np.ndarray) -> Any:
        return transform(choice.preprocess, rows_frame(X, features, rows))

    if choice.method == "lightgbm":
        # shap.TreeExplainer hands LightGBM models to LightGBM's pred_contrib (classic TreeSHAP, O(L*D^2) per row and
        # tree); the leaf-pattern algorithm gives the same values in O(L*D) after a per-model table.
        kernel: Any
        kernel, library = lightgbm_kernel(choice.final, sign, probe, len(X))
    else:
        import xgboost

        final = choice.final
        booster = final.get_booster() if hasattr(final, "get_booster") else final
        kernel = XGBoostKernel(booster, sign, _iteration_range(final))
        library = f"xgboost {xgboost.__version__} pred_contribs"
    kernel(probe)
    return Backend(kernel, native_payload, columns, owners, library, outputs=lambda rows: kernel.outputs(native_payload(rows)),
                   probe_rows=256, warnings=warnings)


def _iteration_range(final: Any) -> tuple[int, int]:
    # The sklearn wrapper predicts with the best iteration after early stopping; explain the same trees.
    if not hasattr(final, "get_booster"):
        return (0, 0)
    try:
        best = final.best_iteration
    except Exception:
        return (0, 0)
    return (0, int(best) + 1) if best is not None else (0, 0)
