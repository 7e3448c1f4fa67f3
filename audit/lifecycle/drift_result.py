"""The result of `attest drift` from any source of distributions: the files in memory (`MemorySource`) or the
statistics of DuckDB's GROUP BY out of core (audit/lifecycle/ooc_drift.py). Every figure comes from the same
functions (feature_drift, predictions_drift) on the same sufficient statistics, so both engines give one result."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from audit.lifecycle import dist as D
from audit.lifecycle.dist import Dist
from audit.lifecycle.drift import METHODS, Found, _alerts, _change, _pick, _v, feature_drift, predictions_drift
from audit.lifecycle.drift_inputs import DriftInputs, Kind
from audit.lifecycle.drift_types import Alert, DriftResult, FileInfo, GroupDrift, PredictionDrift
from audit.lifecycle.plan import DriftPlan

Where = tuple[str, str] | None  # (sensitive column, group value): only that group's rows; None: every row
Scores = tuple[Dist, Dist] | None
Decisions = tuple[int, int, int, int] | None  # selected and rows, reference then current


class DriftSource(Protocol):
    features: list[str]
    kinds: dict[str, Kind]
    sensitive: list[str]
    rows: tuple[int, int]  # reference, current
    has_predictions: bool

    def feature(self, name: str, kind: Kind, where: Where) -> tuple[Dist, Dist]: ...

    def predictions(self, where: Where) -> tuple[Scores, Decisions]: ...

    def groups(self, column: str) -> list[tuple[str, int, int]]:
        """The column's values with their reference and current rows, in `group_order`."""
        ...


def group_order(ref: dict[str, int], cur: dict[str, int]) -> list[tuple[str, int, int]]:
    """The reference's groups (most rows first, ties by value), then the current-only ones the same way."""
    first = sorted((g for g, n in ref.items() if n > 0), key=lambda g: (-ref[g], g))
    known = set(first)
    later = sorted((g for g, n in cur.items() if n > 0 and g not in known), key=lambda g: (-cur[g], g))
    return [(g, ref.get(g, 0), cur.get(g, 0)) for g in first + later]


class MemorySource:
    """The two files' rows in memory (audit/lifecycle/drift_inputs.py)."""

    def __init__(self, inp: DriftInputs) -> None:
        self.inp = inp
        self.features, self.kinds, self.sensitive = inp.features, inp.kinds, inp.sensitive
        self.rows = (len(inp.reference), len(inp.current))
        self.has_predictions = inp.ref_side.scores is not None or inp.ref_side.decisions is not None
        self._labels = {
            col: tuple(s.astype(str).where(s.notna()) for s in (inp.reference[col], inp.current[col])) for col in inp.sensitive
        }

    def _masks(self, where: Where) -> tuple[np.ndarray | None, np.ndarray | None]:
        if where is None:
            return None, None
        rv, cv = self._labels[where[0]]
        return (rv == where[1]).to_numpy(), (cv == where[1]).to_numpy()

    def feature(self, name: str, kind: Kind, where: Where) -> tuple[Dist, Dist]:
        rm, cm = self._masks(where)
        r, c = self.inp.reference[name], self.inp.current[name]
        return D.from_series(r if rm is None else r[rm], kind), D.from_series(c if cm is None else c[cm], kind)

    def predictions(self, where: Where) -> tuple[Scores, Decisions]:
        rm, cm = self._masks(where)
        rs, cs = self.inp.ref_side, self.inp.cur_side
        scores = None
        if rs.scores is not None and cs.scores is not None:  # both sides have scores or neither (drift_inputs)
            a, b = _pick(rs.scores, rm), _pick(cs.scores, cm)
            scores = (D.from_series(pd.Series(a), "numeric"), D.from_series(pd.Series(b), "numeric"))
        decisions = None
        if rs.decisions is not None and cs.decisions is not None:
            a, b = _pick(rs.decisions, rm), _pick(cs.decisions, cm)
            decisions = (int(a.sum()), int(a.size), int(b.sum()), int(b.size))
        return scores, decisions

    def groups(self, column: str) -> list[tuple[str, int, int]]:
        rv, cv = self._labels[column]
        counts = [{str(k): int(v) for k, v in s.dropna().value_counts().items()} for s in (rv, cv)]
        return group_order(counts[0], counts[1])


def _groups(src: DriftSource, plan: DriftPlan) -> tuple[list[GroupDrift], list[Alert]]:
    out, alerts = [], []
    n_ref, n_cur = src.rows
    for col in src.sensitive:
        for g, nr, nc in src.groups(col):
            found: Found = []
            share = _change(nc, n_cur, nr, n_ref)
            if min(n_ref, n_cur) >= plan.min_sample and abs(_v(share)) > plan.group_share_change:
                found.append(
                    (
                        "group_share_change",
                        abs(_v(share)),
                        plan.group_share_change,
                        f"share of rows {nr / n_ref:.1%} -> {nc / n_cur:.1%}",
                    )
                )
            pred, pf = predictions_drift(*src.predictions((col, g)), plan) if nr and nc else ({}, [])
            found += pf
            feats = []
            for f in src.features:
                fd, ff = feature_drift(f, src.kinds[f], *src.feature(f, src.kinds[f], (col, g)), plan)
                feats.append(fd.model_copy(update={"categories": (), "bin_reference": (), "bin_current": (), "bin_cuts": ()}))
                found += [(s, v, t, f"{f}: {m}") for s, v, t, m in ff]
            reasons = [x[3] for x in found]
            small = min(nr, nc) < plan.min_sample
            if small:
                reasons.append(
                    f"{nr:,} reference and {nc:,} current rows: fewer than {plan.min_sample} in one file, "
                    "so its distributions are insufficient evidence"
                )
            sc = pred.get("scores")
            out.append(
                GroupDrift(
                    column=col,
                    group=g,
                    n_reference=nr,
                    n_current=nc,
                    share_reference=nr / n_ref,
                    share_current=nc / n_cur,
                    share_change=share,
                    decision_rate_reference=pred.get("decision_rate_reference"),
                    decision_rate_current=pred.get("decision_rate_current"),
                    decision_rate_change=pred.get("decision_rate_change"),
                    score_wasserstein_normed=sc.wasserstein_normed if sc else None,
                    score_psi=sc.psi if sc else None,
                    score_ks_p=sc.ks_p if sc else None,
                    features_alerting=tuple(fd.name for fd in feats if fd.status == "alert"),
                    features=tuple(feats),
                    status="alert" if found else ("insufficient_evidence" if small else "pass"),
                    reasons=tuple(reasons),
                )
            )
            alerts += _alerts("group", col, f"{col}={g}", found)
    return out, alerts


def drift_result(
    src: DriftSource,
    plan: DriftPlan,
    reference: FileInfo,
    current: FileInfo,
    source: str,
    positive: str,
    notes: list[str],
    engine: str = "memory",
) -> DriftResult:
    from audit.lifecycle.drift_summary import summarise

    features, alerts = [], []
    for f in src.features:
        fd, found = feature_drift(f, src.kinds[f], *src.feature(f, src.kinds[f], None), plan)
        features.append(fd)
        alerts += _alerts("feature", f, None, found)
    shares = []
    for col in src.sensitive:
        fd, found = feature_drift(col, "categorical", *src.feature(col, "categorical", None), plan)
        shares.append(fd)
        alerts += _alerts("group_shares", col, None, found)
    predictions = None
    n_ref, n_cur = src.rows
    if src.has_predictions:
        pred, found = predictions_drift(*src.predictions(None), plan)
        small = min(n_ref, n_cur) < plan.min_sample
        predictions = PredictionDrift(
            source=source,
            positive=positive,
            n_reference=n_ref,
            n_current=n_cur,
            **pred,
            status="alert" if found else ("insufficient_evidence" if small else "pass"),
            reasons=tuple(x[3] for x in found),
        )
        alerts += _alerts("predictions", "predictions", None, found)
    groups, group_alerts = _groups(src, plan)
    alerts += group_alerts
    result = DriftResult(
        reference=reference,
        current=current,
        plan=plan,
        features=tuple(features),
        predictions=predictions,
        group_shares=tuple(shares),
        groups=tuple(groups),
        alerts=tuple(alerts),
        methods=METHODS,
        notes=tuple(notes),
        engine=engine,
    )
    return result.model_copy(update={"summary": tuple(summarise(result))})
