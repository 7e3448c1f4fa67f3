"""Exact path-dependent TreeSHAP by leaf patterns (the idea of Fast TreeSHAP v2 / WOODELF), compiled with numba, float64.

Path-dependent TreeSHAP values a coalition S of features by following the row where a split's feature is in S and the
training cover elsewhere, so each leaf l is the product game g_l(S) = v_l * prod_{j in U_l} (a_j if j in S else p_j),
where U_l are the distinct features on the leaf's path, a_j = 1 when the row satisfies every split on feature j along
that path and p_j is the product of those splits' cover fractions. A product game's Shapley value has a closed form
that depends on the row only through the pattern {j : a_j = 1}, so each leaf gets a table over its 2^|U_l| patterns
once per model, and a row then costs one comparison per split and one table row per leaf: O(L*D) per row and tree
instead of TreeSHAP's O(L*D^2). Leaves with more patterns than rows to explain are evaluated per row instead.

For leaf l, feature i in U_l, row pattern A:  phi_i = v_l (a_i - p_i) prod_{j notin A, j != i} p_j
    * sum_{m=0..s} m! (k-1-m)! / k! * e_{s-m}({p_j : j in A \\ {i}}),  k = |U_l|, s = |A \\ {i}|, e_t elementary symmetric.

Used for LightGBM models (trees from `dump_model()`), XGBoost models (trees from the JSON model) and scikit-learn's tree
models (the trees shap's TreeExplainer has parsed) with numerical splits. LightGBM's and XGBoost's own pred_contrib and
shap's TreeExplainer are the references the tests and every run compare to; anything else (categorical splits, linear
trees) keeps the library's own TreeSHAP.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from audit.stats.arrays import BoolArray, FloatArray, IntArray

# Internal nodes as lists, one per field ("feature", "threshold", "default_left", "missing"); ints and bools are floats'
# subtypes, so one list type holds every field until `_build` gives each its array type.
Nodes = dict[str, list[float]]
# One step of a leaf's path: (node within its tree, the leaf lies left of it, the node's feature, cover fraction).
Step = tuple[int, bool, int, float]
Leaf = tuple[float, list[Step]]  # (leaf value, its path)
# A node of LightGBM's JSON dump (or one built in that shape by `_array_node`): JSON, so its values are dynamic.
JsonNode = dict[str, Any]

_MISSING = {"None": 0, "Zero": 1, "NaN": 2}
MAX_PATH_FEATURES = 62  # patterns are int64 bit masks
TABLE_ENTRIES = 1 << 24  # all leaf tables together: at most 128 MB
_KERNELS: Any = None


@dataclass(frozen=True)
class LeafPatternTrees:
    """A tree ensemble flattened for the kernels: internal nodes, leaves with their paths, and the leaf tables."""

    n_features: int
    node_feature: IntArray
    node_threshold: FloatArray
    node_default_left: BoolArray
    node_missing: npt.NDArray[np.int8]
    tree_node_start: IntArray
    tree_leaf_start: IntArray
    leaf_value: FloatArray
    path_start: IntArray
    path_node: IntArray  # global index of the internal node
    path_left: BoolArray  # the leaf lies in that node's left subtree
    path_slot: IntArray  # position of the node's feature within the leaf's distinct features
    feat_start: IntArray
    leaf_feature: IntArray  # the leaf's distinct path features
    leaf_fraction: FloatArray  # p_j per distinct feature
    table_start: IntArray  # -1: evaluated per row
    tables: FloatArray
    weights: FloatArray  # weights[k, m] = m! (k-1-m)! / k!
    expected_value: float
    max_nodes: int

    @property
    def table_entries(self) -> int:
        return int(self.tables.size)


def from_lightgbm(model: Any, rows_hint: int = 10_000) -> LeafPatternTrees | None:
    """The ensemble of a LightGBM Booster or sklearn-API model (binary or regression margin); None when a split is
    categorical, the trees are linear, or the model has more than one output per iteration."""
    booster = model.booster_ if hasattr(model, "booster_") else model
    dump = booster.dump_model(num_iteration=_iterations(model, booster))
    if dump.get("num_tree_per_iteration", 1) != 1 or dump.get("linear_tree"):
        return None
    nodes: Nodes = {k: [] for k in ("feature", "threshold", "default_left", "missing")}
    tree_node_start, tree_leaf_start = [0], [0]
    leaves: list[Leaf] = []
    for info in dump["tree_info"]:
        base = len(nodes["feature"])
        if not _flatten(info["tree_structure"], base, nodes, leaves, []):
            return None
        tree_node_start.append(len(nodes["feature"]))
        tree_leaf_start.append(len(leaves))
    return _build(int(dump["max_feature_idx"]) + 1, nodes, tree_node_start, tree_leaf_start, leaves, rows_hint)


def from_shap_trees(ensemble: Any, output: int, rows_hint: int = 10_000) -> LeafPatternTrees | None:
    """The ensemble shap's TreeExplainer has parsed (`TreeExplainer(model).model`: its `trees`, each with the arrays
    shap documents on `SingleTree`, and `base_offset`), for one output column; None with a categorical split or a
    layout this code does not know. NaN follows each node's `children_default`, as in shap."""
    trees = getattr(ensemble, "trees", None)
    if not trees:
        return None
    nodes: Nodes = {k: [] for k in ("feature", "threshold", "default_left", "missing")}
    tree_node_start, tree_leaf_start = [0], [0]
    leaves: list[Leaf] = []
    for tree in trees:
        arrays = _shap_tree_arrays(tree, output)
        if arrays is None:
            return None
        if not _flatten(_array_node(arrays, 0), len(nodes["feature"]), nodes, leaves, []):
            return None
        tree_node_start.append(len(nodes["feature"]))
        tree_leaf_start.append(len(leaves))
    n_features = int(max(int(np.max(t.features)) for t in trees)) + 1
    base = np.asarray(getattr(ensemble, "base_offset", 0.0), dtype=np.float64).reshape(-1)
    offset = float(base[output] if base.size > 1 else base[0])
    return _build(n_features, nodes, tree_node_start, tree_leaf_start, leaves, rows_hint, offset)


def _shap_tree_arrays(tree: Any, output: int) -> dict[str, npt.NDArray[np.generic]] | None:
    kinds = getattr(tree, "threshold_types", None)
    if kinds is not None and np.any(np.asarray(kinds) != 0):
        return None  # categorical split
    values = np.asarray(tree.values, dtype=np.float64)
    values = values.reshape(len(values), -1)
    if output >= values.shape[1]:
        return None
    left = np.asarray(tree.children_left)
    return {
        "left": left,
        "right": np.asarray(tree.children_right),
        "default_left": np.asarray(tree.children_default) == left,
        "feature": np.asarray(tree.features),
        "threshold": np.asarray(tree.thresholds, dtype=np.float64),
        "value": values[:, output],
        "cover": np.asarray(tree.node_sample_weight, dtype=np.float64),
    }


def from_xgboost(booster: Any, iteration_range: tuple[int, int], rows_hint: int = 10_000) -> LeafPatternTrees | None:
    """The trees of an XGBoost Booster from its public JSON model (`save_raw("json")`): binary or regression margin,
    one tree per iteration, numerical splits; None otherwise. XGBoost sends x < split_condition (float32) left: with
    the rows rounded to float32 (`float32_rows`), that is x <= the next float64 below it. The base value includes the
    model's base margin (base_score, through the objective's link)."""
    import json

    model = json.loads(bytes(booster.save_raw(raw_format="json")))
    learner = model["learner"]
    link = _XGB_LINKS.get(learner.get("objective", {}).get("name", ""))
    if link is None:
        return None
    base_score = float(np.float32(str(learner["learner_model_param"]["base_score"]).strip("[]")))
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        return None  # dart weights its trees at prediction time, gblinear has none
    trees = gb["model"]["trees"]
    params = gb["model"].get("gbtree_model_param", {})
    if int(params.get("num_parallel_tree", 1)) != 1 or any(int(g) != 0 for g in gb["model"].get("tree_info", [])):
        return None
    first, last = iteration_range
    trees = trees[first:last] if last > 0 else trees[first:]
    nodes: Nodes = {k: [] for k in ("feature", "threshold", "default_left", "missing")}
    tree_node_start, tree_leaf_start = [0], [0]
    leaves: list[Leaf] = []
    for tree in trees:
        if any(int(t) != 0 for t in tree.get("split_type", [])):
            return None  # categorical split
        cond = np.asarray(tree["split_conditions"], dtype=np.float32).astype(np.float64)
        arrays = {
            "left": np.asarray(tree["left_children"]),
            "right": np.asarray(tree["right_children"]),
            "default_left": np.asarray(tree["default_left"]).astype(bool),
            "feature": np.asarray(tree["split_indices"]),
            "threshold": np.nextafter(cond, -np.inf),
            "value": cond,
            "cover": np.asarray(tree["sum_hessian"], dtype=np.float32).astype(np.float64),
        }
        if not _flatten(_array_node(arrays, 0), len(nodes["feature"]), nodes, leaves, []):
            return None
        tree_node_start.append(len(nodes["feature"]))
        tree_leaf_start.append(len(leaves))
    n_features = int(learner["learner_model_param"]["num_feature"])
    return _build(n_features, nodes, tree_node_start, tree_leaf_start, leaves, rows_hint, link(base_score))


# XGBoost's base_score in the margin: logistic objectives keep it as a probability.
_XGB_LINKS: dict[str, Callable[[float], float]] = {
    "binary:logistic": lambda p: math.log(p / (1 - p)),
    "reg:logistic": lambda p: math.log(p / (1 - p)),
    "binary:logitraw": lambda b: b,
    "reg:squarederror": lambda b: b,
}


def float32_rows(X: npt.ArrayLike) -> FloatArray:
    """The rows as XGBoost sees them (it stores its input in float32), in float64 for the kernels."""
    return np.asarray(X, dtype=np.float32).astype(np.float64)


def _array_node(a: dict[str, npt.NDArray[np.generic]], i: int) -> JsonNode:
    """One node of a tree given as arrays (children -1 at leaves), in the shape of LightGBM's dump (what `_flatten`
    reads); NaN goes the default way at every split."""
    if a["left"][i] < 0:
        return {"leaf_value": float(a["value"][i]), "leaf_count": float(a["cover"][i])}
    return {
        "decision_type": "<=",
        "split_feature": int(a["feature"][i]),
        "threshold": float(a["threshold"][i]),
        "default_left": bool(a["default_left"][i]),
        "missing_type": "NaN",
        "internal_count": float(a["cover"][i]),
        "left_child": _array_node(a, int(a["left"][i])),
        "right_child": _array_node(a, int(a["right"][i])),
    }


def _iterations(model: Any, booster: Any) -> int | None:
    best = getattr(model, "best_iteration_", None) if hasattr(model, "booster_") else getattr(booster, "best_iteration", 0)
    return int(best) if best and best > 0 else None


def _flatten(node: JsonNode, base: int, nodes: Nodes, leaves: list[Leaf], path: list[Step]) -> bool:
    """Depth-first: internal nodes in order, each leaf with its path [(node, went_left, feature, fraction)]."""
    if "leaf_value" in node:
        leaves.append((float(node["leaf_value"]), list(path)))
        return True
    if node.get("decision_type") != "<=":
        return False
    idx = len(nodes["feature"])
    feature = int(node["split_feature"])
    nodes["feature"].append(feature)
    nodes["threshold"].append(float(node["threshold"]))
    nodes["default_left"].append(bool(node["default_left"]))
    nodes["missing"].append(_MISSING.get(str(node.get("missing_type", "None")), 0))
    total = float(node["internal_count"])
    for child, left in ((node["left_child"], True), (node["right_child"], False)):
        count = float(child["leaf_count"] if "leaf_value" in child else child["internal_count"])
        path.append((idx - base, left, feature, count / total if total > 0 else 0.0))
        ok = _flatten(child, base, nodes, leaves, path)
        path.pop()
        if not ok:
            return False
    return True


def _build(
    n_features: int,
    nodes: Nodes,
    tree_node_start: list[int],
    tree_leaf_start: list[int],
    leaves: list[Leaf],
    rows_hint: int,
    offset: float = 0.0,
) -> LeafPatternTrees | None:
    path_start, path_node, path_left, path_slot = [0], [], [], []
    feat_start, leaf_feature, leaf_fraction, leaf_value = [0], [], [], []
    leaf_tree = np.repeat(np.arange(len(tree_leaf_start) - 1), np.diff(tree_leaf_start))
    max_k = 0
    for li, (value, path) in enumerate(leaves):
        slots: dict[int, int] = {}
        fractions: list[float] = []
        node_base = tree_node_start[leaf_tree[li]]
        for node, left, feature, fraction in path:
            if feature not in slots:
                slots[feature] = len(fractions)
                fractions.append(1.0)
            fractions[slots[feature]] *= fraction
            path_node.append(node_base + node)
            path_left.append(left)
            path_slot.append(slots[feature])
        if len(fractions) > MAX_PATH_FEATURES:
            return None
        max_k = max(max_k, len(fractions))
        path_start.append(len(path_node))
        leaf_feature += list(slots)
        leaf_fraction += fractions
        feat_start.append(len(leaf_feature))
        leaf_value.append(value)
    k_per_leaf = np.diff(feat_start)
    table_sizes = _table_sizes(k_per_leaf, rows_hint)
    table_start = np.full(len(leaves), -1, dtype=np.int64)
    use = table_sizes >= 0
    table_start[use] = np.concatenate([[0], np.cumsum(table_sizes[use])[:-1]]) if use.any() else []
    weights = _weights(max_k)
    fraction_arr = np.asarray(leaf_fraction, dtype=np.float64)
    feat_start_arr = np.asarray(feat_start, dtype=np.int64)
    value_arr = np.asarray(leaf_value, dtype=np.float64)
    tables = np.zeros(int(table_sizes[use].sum()), dtype=np.float64)
    kernels().fill_tables(table_start, feat_start_arr, fraction_arr, value_arr, weights, tables)
    # Every leaf weighted by the share of training rows reaching it: the value of the empty coalition.
    reach = np.ones(len(leaves))
    has_path = k_per_leaf > 0  # (a single-leaf tree has none; reduceat over the others' starts skips it correctly)
    if has_path.any():
        reach[has_path] = np.multiply.reduceat(fraction_arr, feat_start_arr[:-1][has_path])
    node_counts = np.diff(tree_node_start)
    return LeafPatternTrees(
        n_features=n_features,
        node_feature=np.asarray(nodes["feature"], dtype=np.int64),
        node_threshold=np.asarray(nodes["threshold"], dtype=np.float64),
        node_default_left=np.asarray(nodes["default_left"], dtype=np.bool_),
        node_missing=np.asarray(nodes["missing"], dtype=np.int8),
        tree_node_start=np.asarray(tree_node_start, dtype=np.int64),
        tree_leaf_start=np.asarray(tree_leaf_start, dtype=np.int64),
        leaf_value=value_arr,
        path_start=np.asarray(path_start, dtype=np.int64),
        path_node=np.asarray(path_node, dtype=np.int64),
        path_left=np.asarray(path_left, dtype=np.bool_),
        path_slot=np.asarray(path_slot, dtype=np.int64),
        feat_start=feat_start_arr,
        leaf_feature=np.asarray(leaf_feature, dtype=np.int64),
        leaf_fraction=fraction_arr,
        table_start=table_start,
        tables=tables,
        weights=weights,
        expected_value=offset + float(np.sum(value_arr * reach)),
        max_nodes=int(node_counts.max()) if node_counts.size else 0,
    )


def _table_sizes(k_per_leaf: IntArray, rows: int) -> IntArray:
    """Entries per leaf table, -1 for leaves evaluated per row: a table where its 2^k patterns cost less than the rows
    to explain, smallest tables first, within TABLE_ENTRIES in all (memory stays bounded for deep trees and big data)."""
    k = k_per_leaf.astype(np.int64)
    sizes = np.where(k <= 30, (np.int64(1) << np.minimum(k, 30)) * k, -1)
    wanted = (k <= 30) & (2.0**k <= max(rows, 64))
    order = np.argsort(np.where(wanted, sizes, np.iinfo(np.int64).max), kind="stable")
    within = np.zeros(len(k), dtype=bool)
    within[order] = np.cumsum(np.where(wanted, sizes, 0)[order]) <= TABLE_ENTRIES
    return np.where(wanted & within, sizes, -1)


def _weights(max_k: int) -> FloatArray:
    w = np.zeros((max_k + 1, max_k + 1), dtype=np.float64)
    for k in range(1, max_k + 1):
        for m in range(k):
            w[k, m] = math.factorial(m) * math.factorial(k - 1 - m) / math.factorial(k)
    return w


def shap_values(trees: LeafPatternTrees, X: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(phi (n, features), base value (n,)) for the rows of X (float64, the model's column order)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < trees.n_features:
        raise ValueError(f"expected {trees.n_features} feature columns, got array of shape {X.shape}")
    phi = np.zeros((X.shape[0], X.shape[1]), dtype=np.float64)
    t = trees
    kernels().explain_rows(
        X,
        t.node_feature,
        t.node_threshold,
        t.node_default_left,
        t.node_missing,
        t.tree_node_start,
        t.tree_leaf_start,
        t.leaf_value,
        t.path_start,
        t.path_node,
        t.path_left,
        t.path_slot,
        t.feat_start,
        t.leaf_feature,
        t.leaf_fraction,
        t.table_start,
        t.tables,
        t.weights,
        max(t.max_nodes, 1),
        phi,
    )
    return phi, np.full(X.shape[0], t.expected_value)


def kernels() -> Any:
    """The compiled kernels (numba, cached on disk after the first compilation; numba comes with shap)."""
    global _KERNELS
    if _KERNELS is None:
        from audit.explain import _leafpattern_kernels

        _KERNELS = _leafpattern_kernels
    return _KERNELS
