"""`attest drift --engine duckdb`: the two files read by DuckDB under its memory limit, one GROUP BY each over the
cells of the sensitive columns (audit/lifecycle/ooc_scan.py), and the result from those statistics by the same code
as in memory (audit/lifecycle/drift_result.py). The same refusals as audit/lifecycle/drift_inputs.py."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np

from audit.cancel import CancelToken, Progress
from audit.errors import InputError
from audit.lifecycle import ooc_inputs as I
from audit.lifecycle import ooc_scan as Q
from audit.lifecycle.dist import Dist, combine
from audit.lifecycle.drift_inputs import Kind, model_or_columns
from audit.lifecycle.drift_result import Decisions, Scores, Where, drift_result, group_order
from audit.lifecycle.drift_types import DriftResult
from audit.lifecycle.ooc_run import duckdb_pair
from audit.lifecycle.plan import DriftPlan
from audit.stats.cells import MISSING


class ScanSource:
    """A `DriftSource` from the two files' cells (each a combination of the sensitive columns' values)."""

    def __init__(
        self,
        ref: Q.Cells,
        cur: Q.Cells,
        features: list[str],
        kinds: dict[str, Kind],
        sensitive: list[str],
        scores: bool,
        decisions: bool,
    ) -> None:
        self.ref, self.cur = list(ref.items()), list(cur.items())
        self.features, self.kinds, self.sensitive = features, kinds, sensitive
        self.rows = (sum(c.n for _, c in self.ref), sum(c.n for _, c in self.cur))
        self.scores, self.decisions = scores, decisions
        self.has_predictions = scores or decisions

    def _cells(self, where: Where) -> tuple[list[Q.Cell], list[Q.Cell]]:
        if where is None:
            return [c for _, c in self.ref], [c for _, c in self.cur]
        j = self.sensitive.index(where[0])
        return [c for k, c in self.ref if k[1][j] == where[1]], [c for k, c in self.cur if k[1][j] == where[1]]

    def _column(self, cells: list[tuple[Q.Key, Q.Cell]], j: int) -> Dist:
        """A sensitive column as a categorical distribution (its missing values missing, as in memory)."""
        counts: dict[str, int] = {}
        for k, c in cells:
            counts[k[1][j]] = counts.get(k[1][j], 0) + c.n
        missing = counts.pop(MISSING, 0)
        keys = np.array(sorted(counts), dtype=object)
        return Dist("categorical", keys, np.array([counts[k] for k in keys], dtype=np.int64), missing)

    def feature(self, name: str, kind: Kind, where: Where) -> tuple[Dist, Dist]:
        if name in self.sensitive and name not in self.features:
            j = self.sensitive.index(name)
            return self._column(self.ref, j), self._column(self.cur, j)
        a, b = self._cells(where)
        return combine([c.dists[name] for c in a], kind), combine([c.dists[name] for c in b], kind)

    def predictions(self, where: Where) -> tuple[Scores, Decisions]:
        a, b = self._cells(where)
        scores = None
        if self.scores:
            scores = (combine([c.dists["(scores)"] for c in a], "numeric"), combine([c.dists["(scores)"] for c in b], "numeric"))
        decisions = None
        if self.decisions:
            sel = [int(sum(c.base[(1, y)][0] for c in cells for y in (-1, 0, 1))) for cells in (a, b)]
            decisions = (sel[0], sum(c.n for c in a), sel[1], sum(c.n for c in b))
        return scores, decisions

    def groups(self, column: str) -> list[tuple[str, int, int]]:
        j = self.sensitive.index(column)
        counts = []
        for cells in (self.ref, self.cur):
            d: dict[str, int] = {}
            for k, c in cells:
                if k[1][j] != MISSING:
                    d[k[1][j]] = d.get(k[1][j], 0) + c.n
            counts.append(d)
        return group_order(counts[0], counts[1])


def drift_duckdb(
    reference: str | Path,
    current: str | Path,
    plan: DriftPlan,
    *,
    features: list[str] | None = None,
    sensitive: list[str] | None = None,
    scores: str | None = None,
    predictions: str | None = None,
    positive_label: str | None = None,
    model: str | None = None,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> DriftResult:
    sensitive = list(sensitive or [])
    model_or_columns(model, scores, predictions)
    progress = progress or (lambda *a: None)
    cancel = cancel or CancelToken()
    with duckdb_pair(memory_limit, threads, progress, cancel) as (con_r, con_c, watches), ExitStack() as stack:

        def stage(step: int, text: str) -> None:
            cancel.raise_if_set()
            for w in watches:
                w.stage("drift", step)  # the watchers' reports within a query name the same stage
            progress("drift", step, 4, text)

        stage(0, "DuckDB: reading both files")
        ref, cur = I.open_file(con_r, reference, sensitive), I.open_file(con_c, current, sensitive)
        watches[0].rows, watches[1].rows = ref.info.rows, cur.info.rows
        for cols, role in (
            (sensitive, "sensitive"),
            ([scores] if scores else [], "scores"),
            ([predictions] if predictions else [], "decisions"),
        ):
            for side in (ref, cur):
                side.require(cols, role)  # fmt: skip
        notes = (
            ["The reference and current files are the same file: no drift can show."]
            if ref.info.sha256 == cur.info.sha256
            else []
        )
        reserved = {*sensitive, *(c for c in (scores, predictions) if c)}
        if features:
            for side in (ref, cur):
                side.require(features, "feature")
        else:
            features = [c for c in ref.names if c not in reserved]
            gone = [c for c in features if c not in cur.names]
            if gone:
                shared = [c for c in features if c in cur.names]
                raise InputError(
                    f"The current file {cur.info.name} lacks column(s) the reference has: {', '.join(map(repr, gone))}.",
                    "Compare the columns both files share with --features "
                    f"{','.join(shared[:20]) or 'COL,...'}, or fix the export of the current data.",
                )
            extra = [c for c in cur.names if c not in ref.names and c not in reserved]
            if extra:
                notes.append(f"Column(s) only in the current file, not compared: {', '.join(extra[:20])}.")
        if not features and not (model or scores or predictions):
            raise InputError(
                "There is nothing to compare: no feature columns, and no scores or decisions.",
                "Name the columns with --features, or give --model / --scores / --predictions.",
            )
        kinds = I.kinds(ref, cur, features)
        source, positive, decision = "", "", "0"
        score_sql = None
        if scores:
            score_sql = I.check_scores(ref, scores)
            I.check_scores(cur, scores)
            source = f"column '{scores}'"
        if predictions:
            values, positive = I.decisions(ref, cur, predictions, positive_label)
            decision = Q.case_of(predictions, values)
            source = (source + " and " if source else "") + f"column '{predictions}'"
        if model:
            from audit.lifecycle import ooc_model

            m = ooc_model.load(model, positive_label, trust_pickle, trusted_types)
            scored = ooc_model.score_files(stack, model, m, [ref, cur], lambda text: progress("drift", 1, 4, text), cancel)
            source, positive, decision, score_sql = scored.source, scored.positive, scored.decision, scored.score
        stage(1, "DuckDB: column types, distinct values and the reference's quantiles")
        groups = max(Q.cell_count(con_r, sensitive), Q.cell_count(con_c, sensitive))
        types = {f: ref.src.types[f] for f in features}
        rows = ref.info.rows + cur.info.rows
        columns, many = Q.columns(con_r, con_c, features, kinds, types, score_sql, plan.bins, groups, rows)
        if many:
            notes.append(Q.binned_note(many))
        stage(2, "DuckDB: the reference's statistics per cell (one GROUP BY)")
        ref_cells = Q.scan(con_r, "0", sensitive, columns, decision, "-1", score_sql, calibrate=False)
        stage(3, "DuckDB: the current file's statistics per cell (one GROUP BY)")
        cur_cells = Q.scan(con_c, "0", sensitive, columns, decision, "-1", score_sql, calibrate=False)
    src = ScanSource(ref_cells, cur_cells, features, kinds, sensitive, score_sql is not None, bool(model or predictions))
    progress("drift", 4, 4, "done")
    return drift_result(src, plan, ref.info, cur.info, source, positive, notes, engine="duckdb")
