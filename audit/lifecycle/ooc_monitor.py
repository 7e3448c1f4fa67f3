"""`attest monitor --engine duckdb`: the monitoring run out of core. DuckDB reads the log and the reference under its
memory limit (audit/lifecycle/ooc_inputs.py), one GROUP BY per file gives the statistics per (window, cell)
(audit/lifecycle/ooc_scan.py), and the figures come from them through the functions the in-memory path uses
(window_drift, compare_group, group_windows, cbpe.from_sums, window_checks), so both engines give one result.
Calendar windows only: windows of N rows need the rows in time order, which is a sort, not a GROUP BY."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from audit.cancel import CancelToken, Progress
from audit.engines.duckdb_watch import QueryWatch
from audit.errors import Cancelled, DatasetError, InputError
from audit.lifecycle import cbpe
from audit.lifecycle import ooc_inputs as I
from audit.lifecycle import ooc_scan as Q
from audit.lifecycle.dist import Dist, combine
from audit.lifecycle.drift import window_drift
from audit.lifecycle.drift_types import Status
from audit.lifecycle.monitor import _est, group_windows
from audit.lifecycle.monitor_checks import window_checks
from audit.lifecycle.monitor_groups import compare_group, group_order
from audit.lifecycle.monitor_summary import METHODS, summarise
from audit.lifecycle.monitor_types import Check, MonitorResult, Performance, Reference, WindowResult
from audit.lifecycle.plan import MonitorPlan
from audit.lifecycle.windows import WindowSpec, _iso, calendar_edges
from audit.stats import intervals
from audit.stats.metrics import parts
from audit.stats.score_metrics import auc_delong_counts

Cells = dict[Q.Key, Q.Cell]


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


def _sums(cells: list[Q.Cell], known: bool) -> cbpe.Sums:
    ys = (0, 1) if known else (-1, 0, 1)
    n = tuple(sum(c.base[(d, y)][0] for c in cells for y in ys) for d in (0, 1))
    sp = tuple(sum(c.base[(d, y)][1] for c in cells for y in ys) for d in (0, 1))
    spp = tuple(sum(c.base[(d, y)][2] for c in cells for y in ys) for d in (0, 1))
    return cbpe.Sums((n[0], n[1]), (sp[0], sp[1]), (spp[0], spp[1]))


def _confusion(cells: list[Q.Cell]) -> np.ndarray:
    """[tn, fp, fn, tp] of the rows with outcomes (audit.stats.metrics' layout y*2 + decision)."""
    return np.array([sum(c.base[(d, y)][0] for c in cells) for y in (0, 1) for d in (0, 1)], dtype=np.int64)


def _auc(cells: list[Q.Cell], level: float) -> tuple[float, float, float] | None:
    pos = combine([c.score_pos for c in cells if c.score_pos is not None], "numeric")
    neg = combine([c.score_neg for c in cells if c.score_neg is not None], "numeric")
    if pos.n == 0 or neg.n == 0:
        return None
    keys = np.union1d(pos.keys, neg.keys)
    p, n = np.zeros(keys.size), np.zeros(keys.size)
    p[np.searchsorted(keys, pos.keys)], n[np.searchsorted(keys, neg.keys)] = pos.counts, neg.counts
    return auc_delong_counts(keys, p, n, level)


def _performance(cells: list[Q.Cell], z: float, level: float, scores: bool) -> Performance:
    counts = _confusion(cells)
    out = {}
    for m in ("accuracy", "tpr", "fpr"):
        num, den = parts(counts, m)
        out[m] = _est(float(num), float(den), z)
    auc = None
    if scores and (a := _auc(cells, level)) is not None:
        from audit.result import Estimate

        auc = Estimate(value=a[0], ci_low=a[1], ci_high=a[2])
    return Performance(n=int(counts.sum()), auc=auc, **out)


def _selected(cells: list[Q.Cell]) -> tuple[float, float]:
    return float(sum(c.base[(1, y)][0] for c in cells for y in (-1, 0, 1))), float(sum(c.n for c in cells))


def _dists(cells: list[Q.Cell], columns: list[Q.Column]) -> dict[str, Dist]:
    return {c.name: combine([x.dists[c.name] for x in cells], c.kind, c.edges is not None) for c in columns}


class _Monitor:
    def __init__(self, ref: Cells, log: Cells, sensitive: list[str], columns: list[Q.Column], plan: MonitorPlan) -> None:
        self.ref, self.log, self.sensitive, self.columns, self.plan = ref, log, sensitive, columns, plan
        self.level = plan.ci_level
        self.z = intervals.z_two_sided(self.level)
        self.scores = any(c.name == "(scores)" for c in columns)
        self.features = [c for c in columns if c.name != "(scores)"]
        self.ref_all = list(ref.values())
        self.ref_dists = _dists(self.ref_all, columns)

    def reference(self, info: Any, run: tuple[str, str] | None) -> Reference:
        cells = self.ref_all
        x, n = _selected(cells)
        rates = {}
        for i, col in enumerate(self.sensitive):
            for v in sorted({k[1][i] for k in self.ref}):
                xs, ns = _selected([c for k, c in self.ref.items() if k[1][i] == v])
                rates[f"{col}={v}"] = xs / ns
        known = int(_confusion(cells).sum())
        perf = _performance(cells, self.z, self.level, self.scores) if known else None
        return Reference(
            file=info,
            run_id=run[0] if run else None,
            result_sha256=run[1] if run else None,
            n=int(n),
            n_with_outcome=known,
            selection_rate=x / n if n else None,
            group_rates=rates,
            accuracy=perf.accuracy.value if perf and perf.accuracy else None,
            tpr=perf.tpr.value if perf and perf.tpr else None,
            auc=perf.auc.value if perf and perf.auc else None,
        )

    def calibration(self) -> tuple[Any, float | None, float | None]:
        cells = self.ref_all
        whole = cbpe.from_sums(_sums(cells, False), self.z)
        counts = _confusion(cells)
        n = int(counts.sum())
        cal = sum((c.calibration for c in cells if c.calibration is not None), np.zeros((10, 3)))
        known = _sums(cells, True)
        bins = (cal[:, 0].astype(np.int64), cal[:, 1], cal[:, 2], (known.sp[0] + known.sp[1]) / n) if n else None
        est = cbpe.from_sums(known, self.z) if n else None
        realised = float(counts[0] + counts[3]) / n if n else 0.0
        calib = cbpe.calibration_from(est, n, float(counts[2] + counts[3]), realised, self.plan.calibration_gap, self.z, bins)
        return calib, (None if whole.accuracy is None else whole.accuracy.value), whole.tpr

    def window(self, i: int, start: str, end: str, ref: Reference, ref_expected: float | None, ref_tpr: float | None) -> WindowResult:
        plan = self.plan
        items = {k: c for k, c in self.log.items() if k[0] == i}
        cells = list(items.values())
        n = sum(c.n for c in cells)
        empty = WindowResult(
            index=i,
            start=start,
            end=end,
            n=n,
            n_with_outcome=0,
            status="insufficient_evidence",
            checks=tuple(Check(check=c, status="insufficient_evidence", message="no rows in this window") for c in plan.checks),
        )
        if n == 0:
            return empty
        counts = _confusion(cells)
        known = int(counts.sum())
        perf = _performance(cells, self.z, self.level, self.scores) if known else None
        est = check = None
        if self.scores:
            est = cbpe.from_sums(_sums(cells, False), self.z)
            if known:
                check = cbpe.with_realised(cbpe.from_sums(_sums(cells, True), self.z), float(counts[0] + counts[3]) / known)
        groups = []
        for j, col in enumerate(self.sensitive):
            values = group_order(np.array([k[1][j] for k in self.ref], dtype=object), np.array([k[1][j] for k in items], dtype=object))
            w_sel = [_selected([c for k, c in items.items() if k[1][j] == v]) for v in values]
            r_sel = [_selected([c for k, c in self.ref.items() if k[1][j] == v]) for v in values]
            groups += group_windows(
                col,
                values,
                np.array([s[1] for s in w_sel]),
                np.array([s[0] for s in w_sel]),
                np.array([s[1] for s in r_sel]),
                np.array([s[0] for s in r_sel]),
                self.z,
            )
        drift_alerts: tuple[str, ...] = ()
        statuses: dict[str, Status] = {}
        distances: dict[str, float] = {}
        enough = False
        if "drift" in plan.checks:
            win = _dists(cells, self.columns)
            named = [(c.name, c.kind, self.ref_dists[c.name], win[c.name]) for c in self.features]
            sc = (self.ref_dists["(scores)"], win["(scores)"]) if self.scores else None
            x_r, n_r = _selected(self.ref_all)
            x_w, _ = _selected(cells)
            drift_alerts, statuses, distances = window_drift(named, sc, (int(x_r), int(n_r), int(x_w), n), plan.drift)
            enough = n >= plan.drift.min_sample
        group_drift = self.group_drift(items) if "group_drift" in plan.checks else ()
        x, _ = _selected(cells)
        w = empty.model_copy(
            update={
                "n_with_outcome": known,
                "selection_rate": _est(x, float(n), self.z),
                "groups": tuple(groups),
                "performance": perf,
                "estimated": est,
                "estimate_check": check,
                "drift_alerts": drift_alerts,
                "drift_features": statuses,
                "drift_distances": distances,
                "group_drift": group_drift,
                "checks": (),
                "status": "pass",
            }
        )
        checks = window_checks(ref_tpr, plan, w, ref, ref_expected, (drift_alerts, enough))
        status: Status = (
            "alert" if any(c.status == "alert" for c in checks) else "insufficient_evidence" if n < plan.min_window else "pass"
        )
        return w.model_copy(update={"checks": tuple(checks), "status": status})

    def group_drift(self, items: Cells) -> tuple[Any, ...]:
        out = []
        cols = self.sensitive
        top = len(cols) if self.max_order is None else min(self.max_order, len(cols))
        for order in range(1, top + 1):
            for combo in combinations(range(len(cols)), order):
                names = tuple(cols[j] for j in combo)

                def label(cell: tuple[str, ...], combo: tuple[int, ...] = combo) -> str:
                    return " & ".join(f"{cols[j]}={cell[j]}" for j in combo)

                ref_by: dict[str, list[Q.Cell]] = {}
                for k, c in self.ref.items():
                    ref_by.setdefault(label(k[1]), []).append(c)
                win_by: dict[str, list[Q.Cell]] = {}
                for k, c in items.items():
                    win_by.setdefault(label(k[1]), []).append(c)
                for g in group_order(np.array(list(ref_by), dtype=object), np.array(list(win_by), dtype=object)):
                    a, b = ref_by.get(g, []), win_by.get(g, [])
                    nr, nc = sum(c.n for c in a), sum(c.n for c in b)
                    named: list[tuple[str, Any, Dist, Dist]] = []
                    if min(nr, nc) >= self.plan.drift.min_sample:
                        da, db = _dists(a, self.columns), _dists(b, self.columns)
                        named = [(c.name, c.kind, da[c.name], db[c.name]) for c in self.features]
                        if self.scores:
                            named.append(("(scores)", "numeric", da["(scores)"], db["(scores)"]))
                    out.append(compare_group(names, g, nr, nc, named, self.plan.drift))
        return tuple(out)

    max_order: int | None = None


def monitor_duckdb(
    log: str | Path,
    reference: str | Path,
    time_column: str,
    spec: WindowSpec,
    plan: MonitorPlan,
    *,
    predictions: str | None,
    scores: str | None = None,
    target: str | None = None,
    sensitive: list[str] | None = None,
    positive_label: str | None = None,
    run: tuple[str, str] | None = None,
    max_order: int | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> MonitorResult:
    from audit.engines.duckdb_engine import _duckdb

    if not predictions:
        raise InputError(
            "The DuckDB engine monitors logged decisions (--predictions COL): it does not run a model.",
            "Monitor with --engine memory to decide the rows with --model, or log the decisions.",
        )
    if spec.kind == "rows":
        raise InputError(
            f"--window {spec.label()}: windows of N rows need the log sorted by time, which the DuckDB engine does not do.",
            "Use calendar windows (7d, 1mo) with --engine duckdb, or --engine memory for row windows.",
        )
    duckdb = _duckdb()
    progress = progress or (lambda *a: None)
    cancel = cancel or CancelToken()
    con_r, con_l = _connect(memory_limit, threads), _connect(memory_limit, threads)
    try:
        with QueryWatch(con_r, progress, cancel) as wr, QueryWatch(con_l, progress, cancel) as wl:
            return _run(log, reference, time_column, spec, plan, predictions, scores, target, list(sensitive or []),
                        positive_label, run, max_order, con_r, con_l, progress, cancel, (wr, wl))  # fmt: skip
    except duckdb.InterruptException as exc:
        raise Cancelled("cancelled by the user") from exc
    except duckdb.OutOfMemoryException as exc:
        raise InputError(
            f"DuckDB needed more than its memory limit of {memory_limit or '2GB'} ({str(exc).splitlines()[0][:200]}).",
            "Raise it with --memory-limit (e.g. 8GB), monitor fewer sensitive columns, or free memory.",
        ) from exc
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise DatasetError(
            f"DuckDB could not read the log or the reference: {first}",
            "Check that both are complete Parquet or CSV files; monitor with --engine memory otherwise.",
        ) from exc
    finally:
        con_r.close()
        con_l.close()


def _run(
    log_path: str | Path,
    ref_path: str | Path,
    time_column: str,
    spec: WindowSpec,
    plan: MonitorPlan,
    predictions: str,
    scores: str | None,
    target: str | None,
    sensitive: list[str],
    positive_label: str | None,
    run: tuple[str, str] | None,
    max_order: int | None,
    con_r: Any,
    con_l: Any,
    progress: Progress,
    cancel: CancelToken,
    watches: tuple[QueryWatch, QueryWatch],
) -> MonitorResult:
    def stage(text: str, step: int) -> None:
        cancel.raise_if_set()
        for w in watches:
            w.stage("monitor", step)
        progress("monitor", step, 8, text)

    stage("DuckDB: reading the log and the reference", 0)
    log, ref = I.open_file(con_l, log_path, sensitive), I.open_file(con_r, ref_path, sensitive)
    watches[0].rows, watches[1].rows = ref.info.rows, log.info.rows
    log.require([time_column], "time")
    for cols, role in ((sensitive, "sensitive"), ([predictions], "predictions"), ([scores] if scores else [], "scores")):
        for side in (log, ref):
            side.require(cols, role)
    time_sql, utc, first, last = I.times(log, time_column)
    notes: list[str] = []
    if log.info.sha256 == ref.info.sha256:
        notes.append("The log and the reference are the same file: no drift can show.")
    pos_values, positive = I.decisions(ref, log, predictions, positive_label)
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
    features = [c for c in ref.names if c not in reserved and c in log.names]
    kinds = I.kinds(ref, log, features)
    sql = {f: (Q.numeric_sql if kinds[f] == "numeric" else Q.categorical_sql)(f, ref.src.types[f]) for f in features}
    numeric = [(f, sql[f]) for f in features if kinds[f] == "numeric"]
    if score_sql:
        numeric.append(("(scores)", score_sql))
    many = [
        name
        for (name, _), a, b in zip(numeric, Q.distinct_counts(con_r, numeric), Q.distinct_counts(con_l, numeric), strict=True)
        if a + b > Q.EXACT_LIMIT
    ]
    edges = Q.fine_edges(con_r, [x for x in numeric if x[0] in many], plan.drift.bins)
    columns = [Q.Column(f, sql[f], kinds[f], edges.get(f)) for f in features]
    if score_sql:
        columns.append(Q.Column("(scores)", score_sql, "numeric", edges.get("(scores)")))
    if many:
        notes.append(
            f"Out of core, {', '.join(many)} hold more than {Q.EXACT_LIMIT:,} distinct values: their distributions are "
            f"fine histograms of up to {Q.FINE_BINS} bins cut at the reference's quantiles; PSI and counts are exact, "
            "Wasserstein and KS carry their error bound (wasserstein_bound, ks_bound), AUC counts ties within a bin."
        )
    starts = calendar_edges(first, last, spec)
    window = I.window_sql(time_sql, first, spec.kind, spec.size)
    stage("DuckDB: the reference's statistics per cell (one GROUP BY)", 2)
    ref_cells = Q.scan(con_r, "0", sensitive, columns, decision, outcome["ref"], score_sql, calibrate=True)
    stage("DuckDB: the log's statistics per window and cell (one GROUP BY)", 4)
    log_cells = Q.scan(con_l, window, sensitive, columns, decision, outcome["log"], score_sql, calibrate=False)
    stage("statistics per window", 6)
    if target and target in log.names and not any(c.base[(d, y)][0] for c in log_cells.values() for d in (0, 1) for y in (0, 1)):
        notes.append(f"No outcome in '{target}' has arrived yet: performance is estimated only.")
    m = _Monitor(ref_cells, log_cells, sensitive, columns, plan)
    m.max_order = max_order
    reference = m.reference(ref.info, run)
    calibration, ref_expected, ref_tpr = m.calibration() if m.scores else (None, None, None)
    windows = [
        m.window(i, _iso(starts[i], utc), _iso(starts[i + 1], utc), reference, ref_expected, ref_tpr)
        for i in range(len(starts) - 1)
    ]
    alerts = tuple(
        f"window {w.index} ({w.start} .. {w.end}): {c.check}: {c.message}" for w in windows for c in w.checks if c.status == "alert"
    )
    status: Status = (
        "alert" if alerts else "insufficient_evidence" if all(w.status == "insufficient_evidence" for w in windows) else "pass"
    )
    source = f"column '{predictions}'" + (f", scores '{scores}'" if scores else "")
    result = MonitorResult(
        log=log.info,
        reference=reference,
        plan=plan,
        time_column=time_column,
        max_order=max_order,
        window=spec.label(),
        utc=utc,
        decision_source=source,
        positive=positive,
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
