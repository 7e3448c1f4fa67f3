"""What every explainer backend hands the batch runner: a kernel over batches and how to build its input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from audit.explain import mapping
from audit.models.base import LoadedModel
from audit.parallel import Shipped
from audit.stats.arrays import FloatArray, Positions

# finish(payload, raw) -> (phi (b, p) in the explained space, base value (b,), model output (b,) or None), float64.
# None: the backend's `outputs` computes the model output once for all explained rows instead (fewer model calls).
Finished = tuple[FloatArray, FloatArray, FloatArray | None]


def _same(payload: Any, raw: Any) -> Any:
    return raw


@dataclass
class Backend:
    core: Callable[[Any], Any]  # payload -> raw result: the part a worker process can compute as well
    payload: Callable[[Positions], Any]  # row positions in X -> kernel input
    columns: list[str]  # explained-space columns
    owners: list[str]  # original feature (or untraceable column name) behind each column
    library: str
    finish: Callable[[Any, Any], Finished] = _same  # (payload, raw) -> values, in this process
    outputs: Callable[[Positions], FloatArray] | None = None  # row positions -> model output, where finish gives None
    background_size: int | None = None
    permutations: int | None = None
    # `core` packed for worker processes (audit.parallel) when they can share the work; None = this process only.
    shipped: Shipped | None = None
    worker_start_s: float = 3.0  # seconds a worker process needs before its first batch (imports, unpickling)
    probe_rows: int = 32  # rows of the first, timing batch
    warnings: list[str] = field(default_factory=list)

    def kernel(self, payload: Any) -> Finished:
        return self.finish(payload, self.core(payload))


def positive_index(model: LoadedModel) -> int:
    """Index of the favourable class in the estimator's classes_ (ref.classes keeps their order, as strings)."""
    return model.ref.classes.index(model.ref.positive_class)


def rows_frame(X: pd.DataFrame, features: Sequence[str], rows: Positions) -> pd.DataFrame:
    return X.iloc[np.asarray(rows)][list(features)].reset_index(drop=True)


def transform(pre: Any, frame: pd.DataFrame) -> Any:
    """Apply a pipeline's preprocessing as the pipeline would (sparse output made dense)."""
    if pre is None:
        return frame
    out = pre.transform(frame)
    if hasattr(out, "toarray"):
        out = out.toarray()
    return out


def dense(values: Any) -> FloatArray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64))


def as_model_input(final: Any, Xt: FloatArray) -> Any:
    """An estimator fitted on a DataFrame wants one back (else sklearn warns about missing names)."""
    names = getattr(final, "feature_names_in_", None)
    if names is not None and isinstance(Xt, np.ndarray) and Xt.shape[1] == len(names):
        return pd.DataFrame(Xt, columns=list(names))
    return Xt


def column_owners(pre: Any, features: Sequence[str], width: int) -> tuple[list[str], list[str], list[str]]:
    """(column names, owner per column, warnings) of the explained space."""
    if pre is None:
        cols = list(features) if width == len(features) else [f"column_{i}" for i in range(width)]
        return cols, cols, []
    names = mapping.output_names(pre, features, width)
    owners = mapping.owners(names, features, pre)
    lost = mapping.untraced(owners, features)
    warnings = (
        [
            f"{len(lost)} transformed column(s) could not be traced to a single original feature and are reported under "
            f"their own names: {', '.join(lost[:8])}{' ...' if len(lost) > 8 else ''}."
        ]
        if lost
        else []
    )
    return names, owners, warnings
