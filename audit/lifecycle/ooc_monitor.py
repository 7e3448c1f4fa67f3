"""`attest monitor --engine duckdb`: the monitoring run out of core. DuckDB reads the log and the reference under its
memory limit (audit/lifecycle/ooc_inputs.py), one GROUP BY per file gives the statistics per (window, cell)
(audit/lifecycle/ooc_scan.py), and the figures come from them through the functions the in-memory path uses
(window_drift, compare_group, group_windows, cbpe.from_sums, window_checks), so both engines give one result.
A window is a calendar span, or N rows in time order (numbered by a sort before the GROUP BY, ooc_inputs.rank_rows)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from audit.lifecycle import cbpe
from audit.lifecycle import ooc_scan as Q
from audit.lifecycle.dist import Dist, combine
from audit.lifecycle.drift import window_drift
from audit.lifecycle.drift_types import Status
from audit.lifecycle.monitor import _est, group_windows
from audit.lifecycle.monitor_checks import window_checks
from audit.lifecycle.monitor_groups import compare_group, group_order
from audit.lifecycle.monitor_types import Check, Performance, Reference, WindowResult
from audit.lifecycle.plan import MonitorPlan
from audit.stats import intervals
from audit.stats.metrics import parts
from audit.stats.score_metrics import auc_delong_counts

Cells = dict[Q.Key, Q.Cell]


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

    def window(
        self, i: int, start: str, end: str, ref: Reference, ref_expected: float | None, ref_tpr: float | None
    ) -> WindowResult:
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
            values = group_order(
                np.array([k[1][j] for k in self.ref], dtype=object), np.array([k[1][j] for k in items], dtype=object)
            )
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
