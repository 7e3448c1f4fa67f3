"""The audit of a set of decisions on the held-out rows, by the audit engine itself (predictions-only mode).

The engine reads a table from a file, so the held-out rows (target and sensitive columns as read, the decisions
coded with the target's own labels, the scores) are written to a private temporary Parquet file and audited with
the run's spec: the same policy, intervals, minimum group size, seed and verdicts as the run itself.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.explain.settings import ExplainSettings
from audit.mitigation.source import RunTable
from audit.spec import AuditSpec
from audit.stats.arrays import FloatArray, IntArray

DECISION_COLUMN = "__attest_decision"
SCORE_COLUMN = "__attest_score"


def decision_table(table: RunTable, rows: IntArray, decisions: IntArray, scores: FloatArray | None = None) -> pd.DataFrame:
    """The held-out rows with `decisions` (0/1) written as the target's labels, and `scores` (default: the run's)."""
    out = table.raw.iloc[rows].reset_index(drop=True).copy()
    coded = pd.Series(np.where(np.asarray(decisions) == 1, table.positive, table.negative))
    try:
        coded = coded.astype(out[table.spec.target].dtype)
    except (TypeError, ValueError):
        pass  # mixed labels stay objects; the engine matches labels by value
    out[DECISION_COLUMN] = coded
    out[SCORE_COLUMN] = table.scores[rows] if scores is None else scores
    return out


def audit_decisions(
    table: RunTable, rows: IntArray, decisions: IntArray, name: str, *, scores: FloatArray | None = None
) -> dict[str, Any]:
    """The full audit result (the schema of `attest audit --json`) of `decisions` on `rows`, as a JSON object;
    `scores` for AUC and calibration (default: the run's own scores of those rows)."""
    from audit.run import run_audit

    spec = table.spec
    frame = decision_table(table, rows, decisions, scores)
    with tempfile.TemporaryDirectory(prefix="attest-mitigate-") as tmp:
        path = Path(tmp) / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        held = AuditSpec.model_validate(
            spec.model_dump()
            | {
                "data_path": str(path),
                "model_path": None,
                "predictions_column": DECISION_COLUMN,
                "scores_column": SCORE_COLUMN,
                "threshold": None,
                "trust_pickle": False,
                "trusted_types": (),
                "sheet": None,
                "explain": ExplainSettings(enabled=False),
            }
        )
        result = run_audit(held)
    audited: dict[str, Any] = json.loads(result.to_json())  # the result as JSON, the form a proposal stores
    return audited
