"""Map a pipeline's transformed columns (one-hot, scaled, imputed ...) back to the user's original features.

SHAP values are additive, so a feature's attribution is the sum over the columns it produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from audit.stats.arrays import FloatArray


def output_names(preprocess: Any, features: Sequence[str], width: int) -> list[str]:
    """Names of the transformed columns, or positional names when the transformer cannot say."""
    try:
        names = [str(n) for n in preprocess.get_feature_names_out()]
    except Exception:
        try:
            names = [str(n) for n in preprocess.get_feature_names_out(list(features))]
        except Exception:
            names = []
    if len(names) != width:
        # A transformer without names: only a width-preserving one can be traced column by column.
        return list(features) if width == len(features) else [f"column_{i}" for i in range(width)]
    return names


def owners(names: Sequence[str], features: Sequence[str], preprocess: Any = None) -> list[str]:
    """The original feature behind each transformed column; an untraceable column keeps its own name."""
    restrict = _transformer_inputs(preprocess)
    out = []
    for name in names:
        out.append(_owner(name, features, restrict) or name)
    return out


def untraced(owner_list: Sequence[str], features: Sequence[str]) -> list[str]:
    known = set(features)
    return sorted({o for o in owner_list if o not in known})


def fold_matrix(owner_list: Sequence[str], names: Sequence[str]) -> FloatArray:
    """0/1 matrix (transformed columns x reported features): values @ matrix sums each feature's columns."""
    index = {n: i for i, n in enumerate(names)}
    g = np.zeros((len(owner_list), len(names)))
    for j, o in enumerate(owner_list):
        g[j, index[o]] = 1.0
    return g


def _owner(name: str, features: Sequence[str], restrict: dict[str, list[str]]) -> str | None:
    feats = set(features)
    if name in feats:
        return name
    parts = name.split("__")
    # ColumnTransformer names its outputs "<transformer>__<column>": the transformer's inputs narrow the search.
    inputs = [c for c in restrict.get(parts[0], []) if c in feats] if len(parts) > 1 else []
    if len(inputs) == 1:
        return inputs[0]  # one input column: every output column is that feature's
    for k in range(len(parts)):  # strip prefixes one by one (nested transformers add more)
        hit = _match("__".join(parts[k:]), inputs or list(features), feats)
        if hit:
            return hit
    return None


def _match(rest: str, candidates: Sequence[str], feats: set[str]) -> str | None:
    if rest in feats:
        return rest
    if rest.startswith("missingindicator_") and rest[len("missingindicator_") :] in feats:
        return rest[len("missingindicator_") :]
    # One-hot style "<feature>_<category>": the longest matching feature name wins.
    hits = [c for c in candidates if rest.startswith(c + "_")]
    return max(hits, key=len) if hits else None


def _transformer_inputs(preprocess: Any) -> dict[str, list[str]]:
    """For a ColumnTransformer (possibly the first step of a pipeline): transformer name -> its input columns."""
    ct = preprocess
    steps = getattr(preprocess, "steps", None)
    if steps:
        ct = steps[0][1]
    out: dict[str, list[str]] = {}
    for item in getattr(ct, "transformers_", []) or []:
        name, _, cols = item[0], item[1], item[2]
        if isinstance(cols, str):
            cols = [cols]
        try:
            names = [str(c) for c in cols]
        except TypeError:
            continue
        if names and all(isinstance(c, str) for c in cols):
            out[str(name)] = names
        elif names:  # integer or boolean column selectors: resolve against the input names
            feats = list(getattr(ct, "feature_names_in_", []))
            arr = np.asarray(cols)
            if feats and arr.dtype == bool and len(arr) == len(feats):
                out[str(name)] = [f for f, keep in zip(feats, arr, strict=True) if keep]
            elif feats and np.issubdtype(arr.dtype, np.integer):
                out[str(name)] = [feats[int(i)] for i in arr]
    return out
