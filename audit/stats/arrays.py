"""The array types the statistics pass around (numpy's own generic types, named once)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
# Counts are integers as counted, and non-integer where they are drawn (posterior draws) or scaled (sample-size search).
Counts: TypeAlias = npt.NDArray[np.int64] | npt.NDArray[np.float64]
# 0/1 outcomes or decisions, as the data gives them: integer or boolean.
Labels: TypeAlias = npt.NDArray[np.integer[Any] | np.bool_]
# Text keys, one per row (e.g. each row's group as "race=Black & sex=Female").
Keys: TypeAlias = npt.NDArray[np.object_]
# Row positions (indices into the rows): any integer type, as numpy's index functions give them.
Positions: TypeAlias = npt.NDArray[np.integer[Any]]
