"""Running `attest monitor --engine duckdb`: two DuckDB connections under the memory limit (log, reference), their
queries watched for cancel and progress (audit/engines/duckdb_watch.py), the checks of the inputs, the two scans,
and the result from audit/lifecycle/ooc_monitor.py. `choose_engine` picks the engine for --engine auto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from audit.cancel import CancelToken, Progress
from audit.engines.duckdb_watch import QueryWatch
from audit.errors import Cancelled, DatasetError, InputError
from audit.lifecycle import ooc_inputs as I
from audit.lifecycle import ooc_scan as Q
from audit.lifecycle.drift_types import Status
from audit.lifecycle.monitor_inputs import require_decisions
from audit.lifecycle.monitor_summary import METHODS, summarise
from audit.lifecycle.monitor_types import MonitorResult
from audit.lifecycle.ooc_monitor import _Monitor
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import WindowSpec, _iso, calendar_edges

ENGINES = ("memory", "duckdb", "auto")


def choose_engine(name: str, files: list[str | Path]) -> str:
    """ "auto": DuckDB when a Parquet or CSV file (the log, or either drift file) has AUTO_BYTES (256 MB) or more,
    else in memory. DuckDB does all the work: logged decisions or a model (scored in one streamed pass), calendar
    windows or windows of N rows (a sort under its memory limit)."""
    from audit.engines import AUTO_BYTES

    if name not in ENGINES:
        raise InputError(f"--engine {name!r} is not an engine here.", f"Choose one of: {', '.join(ENGINES)}.")
    if name != "auto":
        return name
    big = False
    for f in files:
        try:
            path = Path(f)
            with open(path, "rb") as fh:
                head = fh.read(4)
            if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
                return "memory"  # Excel: only pandas reads it
            big = big or path.stat().st_size >= AUTO_BYTES
        except OSError:
            return "memory"  # the reader says what is wrong with the path
    return "duckdb" if big else "memory"


def _connect(memory_limit: str | None, threads: int | None) -> Any:
    from audit.engines.duckdb_engine import DEFAULT_MEMORY_LIMIT, _duckdb, _limit

    con = _duckdb().connect(":memory:")
    con.execute(f"SET memory_limit = '{_limit(memory_limit or DEFAULT_MEMORY_LIMIT)}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = true")  # query_progress() reports only with it on
    con.execute("SET enable_progress_bar_print = false")
    return con


@dataclass(frozen=True)
class Request:
    """What `attest monitor` asks: the files, the time column and windows, and where the decisions come from."""

    log: str | Path
    reference: str | Path
    time_column: str
    spec: WindowSpec
    plan: MonitorPlan
    model: str | None = None
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()
    predictions: str | None = None
    scores: str | None = None
    target: str | None = None
    sensitive: tuple[str, ...] = ()
    positive_label: str | None = None
    run: tuple[str, str] | None = None
    max_order: int | None = None


def monitor_duckdb(
    log: str | Path,
    reference: str | Path,
    time_column: str,
    spec: WindowSpec,
    plan: MonitorPlan,
    *,
    model: str | None = None,
    predictions: str | None = None,
    scores: str | None = None,
    target: str | None = None,
    sensitive: list[str] | None = None,
    positive_label: str | None = None,
    trust_pickle: bool = False,
    trusted_types: tuple[str, ...] = (),
    run: tuple[str, str] | None = None,
    max_order: int | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> MonitorResult:
    require_decisions(model, predictions, scores)
    ask = Request(log, reference, time_column, spec, plan, model, trust_pickle, tuple(trusted_types), predictions, scores,
                  target, tuple(sensitive or ()), positive_label, run, max_order)  # fmt: skip
    progress = progress or (lambda *a: None)
    cancel = cancel or CancelToken()
    with duckdb_pair(memory_limit, threads, progress, cancel) as (con_r, con_l, watches), ExitStack() as stack:
        return _run(ask, con_r, con_l, progress, cancel, watches, stack)


@contextmanager
def duckdb_pair(
    memory_limit: str | None, threads: int | None, progress: Progress, cancel: CancelToken
) -> Iterator[tuple[Any, Any, tuple[QueryWatch, QueryWatch]]]:
    """Two connections (reference, log or current file), each watched for cancel and progress; DuckDB's errors
    as Attest's: cancelled, over the memory limit (what to do), or a file it cannot read."""
    from audit.engines.duckdb_engine import _duckdb

    duckdb = _duckdb()
    con_r, con_l = _connect(memory_limit, threads), _connect(memory_limit, threads)
    try:
        with QueryWatch(con_r, progress, cancel) as wr, QueryWatch(con_l, progress, cancel) as wl:
            yield con_r, con_l, (wr, wl)
    except duckdb.InterruptException as exc:
        raise Cancelled("cancelled by the user") from exc
    except duckdb.OutOfMemoryException as exc:
        raise InputError(
            f"DuckDB needed more than its memory limit of {memory_limit or '2GB'} ({str(exc).splitlines()[0][:200]}).",
            "Raise it with --memory-limit (e.g. 8GB), compare fewer sensitive columns, or free memory.",
        ) from exc
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise DatasetError(
            f"DuckDB could not read the files: {first}",
            "Check that both are complete Parquet or CSV files; use --engine memory otherwise.",
        ) from exc
    finally:
        con_r.close()
        con_l.close()


def _run(
    ask: Request,
    con_r: Any,
    con_l: Any,
    progress: Progress,
    cancel: CancelToken,
    watches: tuple[QueryWatch, QueryWatch],
    stack: ExitStack,
) -> MonitorResult:
    time_column, spec, plan, target = ask.time_column, ask.spec, ask.plan, ask.target
    predictions, scores, sensitive = ask.predictions, ask.scores, list(ask.sensitive)

    def stage(text: str, step: int) -> None:
        cancel.raise_if_set()
        for w in watches:
            w.stage("monitor", step)
        progress("monitor", step, 8, text)

    stage("DuckDB: reading the log and the reference", 0)
    log, ref = I.open_file(con_l, ask.log, sensitive), I.open_file(con_r, ask.reference, sensitive)
    watches[0].rows, watches[1].rows = ref.info.rows, log.info.rows
    log.require([time_column], "time")
    for cols, role in (
        (sensitive, "sensitive"),
        ([predictions] if predictions else [], "predictions"),
        ([scores] if scores else [], "scores"),
    ):
        for side in (log, ref):
            side.require(cols, role)
    time_sql, utc, first, last = I.times(log, time_column)
    notes: list[str] = []
    if log.info.sha256 == ref.info.sha256:
        notes.append("The log and the reference are the same file: no drift can show.")
    scored = None
    if ask.model:
        from audit.lifecycle import ooc_model

        stage("Loading the model and scoring the log and the reference", 1)
        m = ooc_model.load(ask.model, ask.positive_label, ask.trust_pickle, ask.trusted_types)
        scored = ooc_model.score_files(stack, ask.model, m, [log, ref], lambda text: progress("monitor", 1, 8, text), cancel)
        decision, score_sql, positive = scored.decision, scored.score, scored.positive
    else:
        assert predictions is not None  # require_decisions: without a model, decisions come from this column
        pos_values, positive = I.decisions(ref, log, predictions, ask.positive_label)
        decision = Q.case_of(predictions, pos_values)
        score_sql = None
        if scores:
            score_sql = I.check_scores(log, scores)
            I.check_scores(ref, scores)
    outcome: dict[str, str] = {"log": "-1", "ref": "-1"}
    if target:
        for key, side in (("log", log), ("ref", ref)):
            if target in side.names:
                outcome[key] = f"coalesce({Q.case_of(target, I.outcomes(side, target, positive))}, -1)"
        if target not in log.names:
            notes.append(f"The log has no column '{target}': no outcomes yet, performance is estimated only.")
    stage("DuckDB: column types, distinct values and the reference's quantiles", 1)
    reserved = {time_column, target, predictions, scores, *sensitive}
    features = scored.features if scored else [c for c in ref.names if c not in reserved and c in log.names]
    kinds = I.kinds(ref, log, features)
    if spec.kind == "rows":
        count = -(-log.info.rows // spec.size)
        if scored is None:  # the model's pass attached it already
            from audit.engines.duckdb_model import scratch

            stack.enter_context(scratch(con_l))
        exact = I.exact_time(log, time_column, time_sql, utc)  # ties are equal times in pandas' nanoseconds
        window, table = I.rank_rows(con_l, exact, spec.size, scored.order if scored else None), I.RANKED
    else:
        starts = calendar_edges(first, last, spec)
        count, table = len(starts) - 1, "src"
        window = I.window_sql(time_sql, first, spec.kind, spec.size)
    groups = count * Q.cell_count(con_l, sensitive)
    types = {f: ref.src.types[f] for f in features}
    columns, many = Q.columns(
        con_r, con_l, features, kinds, types, score_sql, plan.drift.bins, groups, ref.info.rows + log.info.rows
    )
    if many:
        notes.append(Q.binned_note(many))
    stage("DuckDB: the reference's statistics per cell (one GROUP BY)", 2)
    ref_cells = Q.scan(con_r, "0", sensitive, columns, decision, outcome["ref"], score_sql, calibrate=True)
    stage("DuckDB: the log's statistics per window and cell (one GROUP BY)", 4)
    span = f"epoch_ns({exact})" if spec.kind == "rows" else None  # a row window: its first row's time to its last's
    log_cells = Q.scan(con_l, window, sensitive, columns, decision, outcome["log"], score_sql, False, table, span)
    stage("statistics per window", 6)
    if target and target in log.names and not any(c.base[(d, y)][0] for c in log_cells.values() for d in (0, 1) for y in (0, 1)):
        notes.append(f"No outcome in '{target}' has arrived yet: performance is estimated only.")
    mon = _Monitor(ref_cells, log_cells, sensitive, columns, plan)
    mon.max_order = ask.max_order
    reference = mon.reference(ref.info, ask.run)
    calibration, ref_expected, ref_tpr = mon.calibration() if mon.scores else (None, None, None)
    if spec.kind == "rows":
        bounds = [(pd.Timestamp(a, unit="ns"), pd.Timestamp(b, unit="ns")) for a, b in Q.spans(log_cells, count)]
    else:
        bounds = [(starts[i], starts[i + 1]) for i in range(count)]
    windows = [mon.window(i, _iso(a, utc), _iso(b, utc), reference, ref_expected, ref_tpr) for i, (a, b) in enumerate(bounds)]
    alerts = tuple(
        f"window {w.index} ({w.start} .. {w.end}): {c.check}: {c.message}"
        for w in windows
        for c in w.checks
        if c.status == "alert"
    )
    status: Status = (
        "alert" if alerts else "insufficient_evidence" if all(w.status == "insufficient_evidence" for w in windows) else "pass"
    )
    source = scored.source if scored else f"column '{predictions}'" + (f", scores '{scores}'" if scores else "")
    result = MonitorResult(
        log=log.info,
        reference=reference,
        plan=plan,
        time_column=time_column,
        max_order=ask.max_order,
        window=spec.label(),
        utc=utc,
        decision_source=source,
        positive=positive,
        feature_kinds={**{f: kinds[f] for f in features}, **({"(scores)": "numeric"} if score_sql else {})},
        calibration=calibration,
        windows=tuple(windows),
        alerts=alerts,
        status=status,
        methods=METHODS,
        notes=tuple(notes),
        engine="duckdb",
    )
    progress("monitor", 8, 8, "done")
    return result.model_copy(update={"summary": tuple(summarise(result))})
