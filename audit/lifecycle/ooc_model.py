"""`--model` out of core (`attest monitor` and `attest drift --engine duckdb`): each file is scored once in streamed
Arrow batches by the audit engine's own pass (audit/engines/duckdb_model.py `score_rows`) into a scratch DuckDB
table on disk, and the view `src` then reads that table: the file's columns, the decision (0/1) and the score. The
scans that follow are the logged-decisions ones. Every row is scored and the refusals are the in-memory readers'
(audit/lifecycle/monitor_inputs.py, drift_inputs.py `_from_model`): a missing feature, scores outside [0, 1]."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audit.cancel import CancelToken
from audit.engines import duckdb_model as dm
from audit.engines.duckdb_source import ident
from audit.lifecycle.ooc_scan import case_of

if TYPE_CHECKING:
    from audit.lifecycle.ooc_inputs import Opened
    from audit.models.base import LoadedModel


@dataclass(frozen=True)
class Scored:
    source: str  # "model NAME", as in memory
    positive: str
    features: list[str]
    decision: str  # SQL of the decision, 0/1
    score: str | None  # SQL of the score; None when the model gives none
    order: str  # SQL of the row's position in its file (ties in time keep it, as windows.cut does)


def load(path: str, positive_label: str | None, trust_pickle: bool, trusted_types: tuple[str, ...]) -> LoadedModel:
    from audit.models import load_model

    return load_model(
        path,
        positive_label=positive_label if positive_label is not None else 1,
        trust_pickle=trust_pickle,
        trusted_types=trusted_types,
    )


def score_files(
    stack: ExitStack, path: str, model: LoadedModel, sides: list[Opened], say: Callable[[str], None], cancel: CancelToken
) -> Scored:
    """Score each side (in the order the in-memory reader does) into a scratch table `stack` drops at the end."""
    features = list(model.features)
    for side in sides:
        side.require(features, "model feature")  # before any scoring: a missing column costs no pass
    for side in sides:
        stack.enter_context(dm.scratch(side.con))
        name = side.info.name

        def report(text: str, name: str = name) -> None:
            say(f"{text} of {name}")

        dm.score_rows(side.con, model, features, side.info.rows, report, cancel, source=f"the model's output on {name}")
        side.con.execute("DROP VIEW src")
        side.con.execute("CREATE VIEW src AS SELECT * FROM attest_scratch.scored")
    return Scored(
        source=f"model {Path(path).name}",
        positive=model.ref.positive_class,
        features=features,
        decision=case_of(dm.PRED, [1]),
        score=f"CAST({ident(dm.SCORE)} AS DOUBLE)" if model.score is not None else None,
        order=ident(dm.ROW),
    )
