"""Read and check what `attest monitor` watches: the production log, the reference it is held against (a data file,
or the dataset of a recorded audit run, checked against the hash the run recorded), and each side's decisions,
scores and outcomes. Outcomes may be missing in the log (they arrive later); decisions and times may not."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.datasets import load_dataset
from audit.errors import InputError
from audit.inputs import label_mask, scores_from
from audit.lifecycle.drift_inputs import Kind, _decisions, _require, _shown, column_kind
from audit.lifecycle.drift_types import FileInfo
from audit.lifecycle.windows import parse_times
from audit.models.binding import same_label

if TYPE_CHECKING:
    from audit.trail import Workspace


@dataclass
class Side:
    frame: pd.DataFrame
    info: FileInfo
    decisions: np.ndarray | None = None  # 0/1 int8
    scores: np.ndarray | None = None
    outcomes: np.ndarray | None = None  # 1.0 / 0.0, NaN where not known yet

    @property
    def decided(self) -> np.ndarray:
        """The decisions, which `load_inputs` always sets (None only while it builds the side)."""
        if self.decisions is None:
            raise RuntimeError(f"no decisions were read for {self.info.name}")  # a programming error, not bad input
        return self.decisions

    @property
    def outcomes_or_nan(self) -> np.ndarray:
        """The outcomes, NaN (not known yet) in every row when there is no outcome column."""
        return self.outcomes if self.outcomes is not None else np.full(len(self.frame), np.nan)


@dataclass
class MonitorInputs:
    log: Side
    ref: Side
    times: pd.Series
    utc: bool
    time_column: str
    sensitive: list[str]
    features: list[str]
    kinds: dict[str, Kind]
    source: str = ""
    positive: str = "1"
    max_order: int | None = None  # intersections of up to this many sensitive columns (the audit's); None: all
    run_id: str | None = None
    result_sha256: str | None = None
    notes: list[str] = field(default_factory=list)


def _info(path: str | Path, sensitive: list[str]) -> tuple[pd.DataFrame, FileInfo]:
    df, ref = load_dataset(path, sensitive=sensitive)
    return df, FileInfo(name=Path(ref.path).name, sha256=ref.sha256, rows=ref.rows, format=ref.format)


def _outcomes(col: pd.Series, name: str, positive: str, file_: str) -> np.ndarray:
    values = list(pd.unique(col.dropna()))
    if len(values) > 2:
        raise InputError(
            f"The outcome column '{name}' of {file_} is not binary: {len(values)} distinct values ({_shown(values)}).",
            "Give the observed outcome (two values; empty while not known yet).",
        )
    if values and not any(same_label(v, positive) for v in values) and len(values) == 2:
        raise InputError(
            f"The positive label {positive!r} is not a value of the outcome column '{name}' ({_shown(values)}).",
            "Pass --positive-label with the favourable outcome's value.",
        )
    y = label_mask(col, positive).astype(float)
    y[col.isna().to_numpy()] = np.nan
    return y


def reference_from_run(ws: Workspace, run_id: str) -> tuple[str, str, dict[str, Any]]:
    """The dataset path of a recorded run (refused when the file changed since) and its spec."""
    from audit.lifecycle.record import load_run

    result, info = load_run(ws, run_id)
    path = Path(result.data.path)
    if not path.exists():
        raise InputError(
            f"The dataset of {run_id}, {path}, is no longer there.", "Give the reference data file itself with --reference FILE."
        )
    from audit.hashing import sha256_file

    if sha256_file(path) != result.data.sha256:
        raise InputError(
            f"The dataset of {run_id}, {path}, changed after the audit (its SHA-256 differs).",
            "Restore the audited file, or give a reference file with --reference FILE.",
        )
    return str(path), info.result_sha256, result.spec.model_dump()


def resolve_reference(
    ws: Workspace, reference: str, sensitive: list[str] | None, target: str | None
) -> tuple[str, tuple[str, str] | None, list[str] | None, str | None]:
    """--reference as a file path, or a recorded run (its dataset; its sensitive and target columns unless given).
    Returns (path, (run id, result hash) or None, sensitive, target)."""
    if reference.startswith("run-") and not Path(reference).exists():
        path, result_sha, spec = reference_from_run(ws, reference)
        sensitive = sensitive if sensitive is not None else list(spec.get("sensitive") or [])
        return path, (reference, result_sha), sensitive, target or spec.get("target")
    if not Path(reference).exists():
        raise InputError(
            f"--reference {reference!r} is neither a recorded run nor a file.",
            "Give a run id (see `attest trail log --kind audit_run`) or the reference data file.",
        )
    return reference, None, sensitive, target


def reference_max_order(ws: Workspace, reference: str, given: int | None) -> int | None:
    """--max-order when given, else the recorded run's own (its intersections are the ones the audit reported)."""
    from audit.stats.cells import check_max_order

    check_max_order(given)
    if given is not None or not (reference.startswith("run-") and not Path(reference).exists()):
        return given
    from audit.lifecycle.record import load_run

    result, _ = load_run(ws, reference)
    return result.spec.max_intersection_order


def require_decisions(model: str | None, predictions: str | None, scores: str | None) -> None:
    """Decisions from a model or from a column, never both (both engines)."""
    if not model and not predictions:
        raise InputError(
            "monitor needs the model's decisions.",
            "Give --model FILE, or --predictions COL (with --scores COL for estimates without outcomes).",
        )
    if model and (predictions or scores):
        raise InputError(
            "--model gives the scores and decisions itself; --predictions and --scores name columns instead.",
            "Give either --model, or --predictions (and --scores).",
        )


def load_inputs(
    log: str | Path,
    reference: str | Path,
    time_column: str,
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
) -> MonitorInputs:
    """`run`: (run id, result hash) when `reference` is a recorded run's dataset."""
    require_decisions(model, predictions, scores)
    sensitive = list(sensitive or [])
    log_df, log_info = _info(log, sensitive)
    ref_df, ref_info = _info(reference, sensitive)
    _require(log_df, [time_column], "time", log_info.name)
    roles = [
        (sensitive, "sensitive"),
        ([predictions] if predictions else [], "predictions"),
        ([scores] if scores else [], "scores"),
    ]
    for cols, role in roles:
        for df, info in ((log_df, log_info), (ref_df, ref_info)):
            _require(df, cols, role, info.name)
    times, utc = parse_times(log_df[time_column], time_column)
    L, R = Side(log_df.reset_index(drop=True), log_info), Side(ref_df.reset_index(drop=True), ref_info)
    out = MonitorInputs(L, R, times, utc, time_column, sensitive, [], {}, max_order=max_order)
    if run:
        out.run_id, out.result_sha256 = run
    if log_info.sha256 == ref_info.sha256:
        out.notes.append("The log and the reference are the same file: no drift can show.")
    if model:
        from audit.models import load_model

        m = load_model(
            model,
            positive_label=positive_label if positive_label is not None else 1,
            trust_pickle=trust_pickle,
            trusted_types=trusted_types,
        )
        for side in (L, R):
            _require(side.frame, list(m.features), "model feature", side.info.name)
            X = side.frame[list(m.features)]
            side.decisions = np.asarray(m.decide(X), dtype=np.int8)
            if m.score is not None:
                side.scores = scores_from(m.score(X), f"the model's output on {side.info.name}")
        out.source, out.positive, out.features = f"model {Path(model).name}", str(m.ref.positive_class), list(m.features)
    else:
        assert predictions is not None  # checked at the top: without a model, decisions come from this column
        R.decisions, L.decisions, out.positive = _decisions(
            R.frame[predictions], L.frame[predictions], predictions, positive_label
        )
        out.source = f"column '{predictions}'"
        if scores:
            for side in (L, R):
                side.scores = scores_from(side.frame[scores].to_numpy(), f"column '{scores}' of {side.info.name}")
            out.source += f", scores '{scores}'"
    if target:
        if target in L.frame.columns:
            L.outcomes = _outcomes(L.frame[target], target, out.positive, log_info.name)
            if np.isnan(L.outcomes).all():
                out.notes.append(f"No outcome in '{target}' has arrived yet: performance is estimated only.")
        else:
            out.notes.append(f"The log has no column '{target}': no outcomes yet, performance is estimated only.")
        if target in R.frame.columns:
            R.outcomes = _outcomes(R.frame[target], target, out.positive, ref_info.name)
    if not out.features:
        reserved = {time_column, target, predictions, scores, *sensitive}
        out.features = [str(c) for c in R.frame.columns if c not in reserved and c in L.frame.columns]
    out.kinds = {f: column_kind(f, R.frame[f], L.frame[f], ref_info.name, log_info.name) for f in out.features}
    return out
