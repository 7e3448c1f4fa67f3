"""The engine boundary: an engine turns (data, spec) into per-cell sufficient statistics; the metrics, intervals,
verdicts and data-quality findings are computed from those alone (audit/run.py), whatever engine produced them.

A cell is one combination of values over all sensitive columns (the finest intersection). Every group and
intersection is a union of cells, so per-cell statistics are enough for every figure of an audit:
- confusion counts per cell -> every rate, F1 (posterior draws of the counts), disparities, verdicts;
- scores: per (cell, distinct score) the counts of positive and negative outcomes -> AUC with DeLong's variance
  (ranks with ties need nothing more), Brier score and its interval, calibration bins and their posterior draws;
- per cell, the missing values of each other column -> missing values by group;
- per (column, sensitive column), the contingency table of their association codes -> Cramér's V (proxies).
Nothing in an audit resamples rows (the intervals are closed-form or draw the counts: audit/stats/bootstrap.py), so no
figure needs the rows themselves. SHAP explanations do (they run the model on rows): the in-memory path keeps the
frame (`InMemoryRows`) for them, the DuckDB engine a stratified sample of the file (`InMemoryRows.sample_of`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from audit.refs import DatasetRef
from audit.result import FavourableOutcome, NotAssessed, ScoreResolution
from audit.stats.cells import Level

if TYPE_CHECKING:
    import pandas as pd

    from audit.cancel import CancelToken, Progress
    from audit.models import LoadedModel
    from audit.spec import AuditSpec
    from audit.stats.cells import GroupIndex


@dataclass(frozen=True)
class ScoreTable:
    """One entry per (distinct score, cell), ordered by score then cell: `pos` and `neg` rows of that cell had that
    score and a positive / negative true outcome. At most one entry per row; far fewer when scores repeat."""

    score: np.ndarray  # (K,) float64, ascending
    cell: np.ndarray  # (K,) int64
    pos: np.ndarray  # (K,) int64
    neg: np.ndarray  # (K,) int64

    def __post_init__(self) -> None:
        for a in (self.score, self.cell, self.pos, self.neg):
            a.setflags(write=False)


@dataclass(frozen=True)
class QualityStatistics:
    """What data quality needs: missing values per cell of each column the audit does not use as target, sensitive,
    decision or score (`columns`), and per (column, sensitive column) the contingency table of their codes
    (audit/stats/quality.py: numeric columns in quintiles, text capped at 50 levels, missing a code of its own)."""

    columns: tuple[str, ...]
    missing: np.ndarray  # (C, len(columns)) int64
    proxy_tables: tuple[tuple[str, str, np.ndarray], ...]  # (column, sensitive, table without empty rows/columns)


@dataclass(frozen=True)
class CellStatistics:
    """The sufficient statistics of one audit, per finest cell of the sensitive columns."""

    features: tuple[str, ...]
    cells: tuple[dict[str, str], ...]  # (C,) each cell's value of every sensitive column, as labelled in the result
    levels: tuple[Level, ...]  # single features and intersections, each a union of cells
    counts: np.ndarray  # (C, 4) int64 confusion counts [tn, fp, fn, tp]
    scores: ScoreTable | None  # None: no scores in this audit
    quality: QualityStatistics
    rows: int  # rows audited (after rows without a target were left out)

    def __post_init__(self) -> None:
        self.counts.setflags(write=False)

    @property
    def n_cells(self) -> int:
        return len(self.cells)


@dataclass(frozen=True)
class InMemoryRows:
    """The rows themselves, kept by the in-memory engine for what needs them (explanations run the model); the DuckDB
    engine keeps a stratified sample of them (`sample_of`) for the explanations only."""

    frame: pd.DataFrame
    index: GroupIndex
    decisions: np.ndarray
    scores: np.ndarray | None
    sample_of: int | None = None  # a sample of this many audited rows (the DuckDB engine's), not all of them


@dataclass(frozen=True)
class Prepared:
    """What an engine hands on: the statistics, and what it learnt reading the data (for the result)."""

    stats: CellStatistics
    data: DatasetRef
    positive: Any  # the target value that is the favourable outcome, as it occurs in the data
    favourable: FavourableOutcome
    decision_source: str
    warnings: tuple[str, ...]
    not_assessed: tuple[NotAssessed, ...]
    engine: str
    model: LoadedModel | None = None
    rows: InMemoryRows | None = None
    score_bound: ScoreResolution | None = None  # scores seen through a histogram (the Spark engine, many scores)


class Engine(Protocol):
    """Reads the data the spec names and returns its sufficient statistics. `progress(stage, step, of, text)` and
    `cancel` as in audit/cancel.py; every refusal is an `audit.errors.InputError` naming what to change."""

    name: str

    def statistics(self, spec: AuditSpec, progress: Progress, cancel: CancelToken) -> Prepared: ...


ProgressFn = Callable[[str, int, int, str], None]
