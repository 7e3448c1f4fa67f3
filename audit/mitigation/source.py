"""The rows, labels, scores and decisions of a recorded audit run, re-read from its files and checked against the trail.

The trail keeps a run's spec and result, not its scores: they are recomputed from the recorded data file (and model
file, for a model run), and both must still hash to what the run recorded, or the proposal would be about other data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from audit.datasets import load_dataset
from audit.errors import InputError
from audit.hashing import sha256_file
from audit.inputs import binary_target, decisions_from_column, declared_label, require_column, resolve_positive, scores_from
from audit.spec import AuditSpec
from audit.stats.arrays import FloatArray, IntArray, Keys
from audit.stats.cells import MISSING
from audit.values import apply_na_values

if TYPE_CHECKING:
    from audit.trail import Workspace

_HINT_RUNS = "Use a run id from `attest trail log --kind audit_run`."


@dataclass(frozen=True)
class RunTable:
    """One recorded run's evaluation rows, ready for mitigation. Arrays are aligned with `raw` (rows with a target)."""

    run_id: str
    spec: AuditSpec
    data_sha256: str
    rows: IntArray  # each row's 0-based position in the data file
    raw: pd.DataFrame  # the data file's target and sensitive columns as read, rows without a target left out
    y: IntArray  # 1 = favourable outcome
    scores: FloatArray  # probability of the favourable outcome
    decisions: IntArray  # the run's own decisions, 0/1
    group: Keys  # text key of each row's finest intersection, e.g. "race=Black & sex=Female"
    positive: Any  # the favourable value of the target, as in the data
    negative: Any  # the other value of the target

    @property
    def n(self) -> int:
        return len(self.y)


def _recorded_paths(ws: Workspace, run_id: str, kind: str, spec_path: str | None, sha: str | None) -> list[Path]:
    """Where a run's data or model file may be, best first: the resolved path in its stored result (the spec may hold a
    path relative to where the audit ran), the spec's path, and the newest place the trail registered that content."""
    import json

    from audit.trail import WorkspaceError

    out: list[str] = []
    try:
        stored = json.loads(ws.get_result_json(run_id)).get(kind) or {}
        out.append(stored.get("path") or "")
    except (ValueError, AttributeError, WorkspaceError):  # no usable stored result: the spec's path still counts
        pass
    out.append(spec_path or "")
    if sha:
        try:
            out.append(ws.artifact(sha).path)
        except WorkspaceError:  # never registered: nothing more to try
            pass
    return [Path(p) for p in dict.fromkeys(out) if p]


def _locate(ws: Workspace, run_id: str, kind: str, spec_path: str | None, sha: str | None, what: str) -> Path:
    """The first candidate file with the recorded SHA-256; refuses a changed file or one that is gone."""
    candidates = _recorded_paths(ws, run_id, kind, spec_path, sha)
    present = [p for p in candidates if p.is_file()]
    for p in present:
        if sha is None or sha256_file(p) == sha:
            return p
    if present and sha is not None:  # (with no recorded hash the first present file was taken)
        actual = sha256_file(present[0])
        raise InputError(
            f"The {what} {present[0]} has changed since {run_id} was audited (SHA-256 {actual[:12]}..., recorded {sha[:12]}...).",
            f"Restore the audited file, or audit the new {'data' if kind == 'data' else 'model'} first and mitigate that run.",
        )
    shown = candidates[0] if candidates else spec_path
    raise InputError(
        f"The {what} of {run_id} is no longer at {shown}.",
        "Put the file back where it was audited (same content), or register it at its new place "
        "(`attest register dataset|model PATH`).",
    )


def run_spec(ws: Workspace, run_id: str) -> tuple[AuditSpec, str, str | None]:
    """The spec, data SHA-256 and model SHA-256 (or None) that the trail recorded for `run_id`."""
    from audit.trail import WorkspaceError

    event = ws.run_event(run_id)  # WorkspaceError naming the run when it is not there
    p = event.payload
    try:
        spec = AuditSpec.model_validate(p["spec"])
    except Exception as exc:  # a spec recorded by an older or foreign version
        raise WorkspaceError(
            f"The recorded spec of {run_id} cannot be read by this version of Attest: {exc}.",
            "Audit the data again with this version and mitigate that run.",
        ) from exc
    shas = list(p.get("dataset_sha256s") or [])
    if not shas:
        raise WorkspaceError(f"{run_id} recorded no data file hash, so its data cannot be checked.", _HINT_RUNS)
    return spec, shas[0], p.get("model_sha256")


def threshold_features(spec: AuditSpec, by: tuple[str, ...] | None) -> tuple[str, ...]:
    """The sensitive features whose combinations get their own thresholds: `by`, or every one the run audited."""
    if not by:
        return tuple(spec.sensitive)
    unknown = [f for f in by if f not in spec.sensitive]
    if unknown:
        raise InputError(
            f"--by {', '.join(unknown)}: not a sensitive feature of the run.", f"Use some of: {', '.join(spec.sensitive)}."
        )
    return tuple(dict.fromkeys(by))


def load_run(ws: Workspace, run_id: str, by: tuple[str, ...] | None = None) -> RunTable:
    """Re-read `run_id`'s data (and model) and return its rows with scores; refuses changed files and runs without scores.

    `by`: the sensitive features that define the threshold groups (default: all of the run's)."""
    spec, data_sha, model_sha = run_spec(ws, run_id)
    features = threshold_features(spec, by)
    if spec.predictions_only and spec.scores_column is None:
        raise InputError(
            f"{run_id} was audited from a predictions column without scores, so there is nothing to re-threshold.",
            "Audit again with --scores COL (the probability of the favourable outcome), or with the model file.",
        )
    path = _locate(ws, run_id, "data", spec.data_path, data_sha, "data file")
    df, _ = load_dataset(path, sheet=spec.sheet, sensitive=spec.sensitive)
    for col, role in ((spec.target, "target"), *((s, "sensitive") for s in spec.sensitive)):
        require_column(df, col, role)
    keep = df[spec.target].notna().to_numpy()
    df = df[keep].reset_index(drop=True)  # as the audit does: outcomes are needed
    label, _ = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    positive = resolve_positive(df[spec.target], spec.target, label)
    y = binary_target(df[spec.target], positive).astype(np.int64)
    others = [v for v in pd.unique(df[spec.target]) if not binary_target(pd.Series([v]), positive)[0]]
    negative = others[0] if others else 0
    model_path = None if spec.predictions_only else _locate(ws, run_id, "model", spec.model_path, model_sha, "model file")
    decisions, scores = _outputs(spec, df, positive, model_path, run_id)
    return RunTable(
        run_id=run_id,
        spec=spec,
        data_sha256=data_sha,
        rows=np.flatnonzero(keep),
        raw=df[[spec.target, *spec.sensitive]].copy(),
        y=y,
        scores=scores,
        decisions=decisions.astype(np.int64),
        group=group_keys(df, spec, features),
        positive=positive,
        negative=negative,
    )


def group_keys(df: pd.DataFrame, spec: AuditSpec, features: tuple[str, ...] | None = None) -> Keys:
    """Each row's combination of `features` (default: every sensitive feature) as text, e.g. "race=Black & sex=Female":
    the groups the thresholds are set for (missing values as the audit shows them)."""
    features = tuple(features or spec.sensitive)
    clean, _ = apply_na_values(df[list(features)], features, spec.na_values)
    parts = [f + "=" + clean[f].astype(object).where(clean[f].notna(), MISSING).astype(str) for f in features]
    key = parts[0]
    for p in parts[1:]:
        key = key + " & " + p
    keys: Keys = key.to_numpy(dtype=object)
    return keys


def _outputs(
    spec: AuditSpec, df: pd.DataFrame, positive: Any, model_path: Path | None, run_id: str
) -> tuple[IntArray, FloatArray]:
    predictions, scores = spec.predictions_column, spec.scores_column
    if predictions is not None:  # predictions only (the spec holds a model or a predictions column, never both)
        assert scores is not None, "labelled_rows refuses a predictions run without scores before this"
        require_column(df, predictions, "predictions")
        require_column(df, scores, "scores")
        decisions, _ = decisions_from_column(df[predictions], predictions, positive, list(pd.unique(df[spec.target])))
        return decisions, scores_from(df[scores].to_numpy(), f"column '{scores}'")
    from audit.models import load_model

    assert model_path is not None, "a run with a model has its located model file"

    model = load_model(
        model_path,
        positive_label=positive,
        trust_pickle=spec.trust_pickle,
        trusted_types=spec.trusted_types,
        threshold=spec.threshold,
    )
    if model.score is None:
        raise InputError(
            f"The model of {run_id} gives decisions but no scores, so there is nothing to re-threshold.",
            "Mitigate a run of a model with predict_proba, or a predictions run with --scores.",
        )
    absent = [f for f in model.features if f not in df.columns]
    if absent:
        raise InputError(
            f"The model of {run_id} expects feature(s) the data file lacks: {', '.join(absent)}.",
            "Mitigate a run whose data holds the model's features.",
        )
    X = df[list(model.features)]
    decided, scored = model.decide_and_score(X)  # as the audit scored it: one model call where the type allows
    assert scored is not None, "a model with predict_proba gives scores"
    return np.asarray(decided, dtype=np.int64), scores_from(scored, "the model's output")


def labelled_rows(path: str | Path, spec: AuditSpec, by: tuple[str, ...] | None = None) -> RunTable:
    """Another file's rows (e.g. the training data) with the run's target and sensitive columns, for reweighing.

    Only `rows`, `raw`, `y` and `group` are meaningful; it has no scores or decisions (zeros)."""
    df, ref = load_dataset(path, sensitive=spec.sensitive)
    for col, role in ((spec.target, "target"), *((s, "sensitive") for s in spec.sensitive)):
        require_column(df, col, role)
    keep = df[spec.target].notna().to_numpy()
    df = df[keep].reset_index(drop=True)
    label, _ = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    positive = resolve_positive(df[spec.target], spec.target, label)
    y = binary_target(df[spec.target], positive).astype(np.int64)
    zeros = np.zeros(len(y), dtype=np.int64)
    return RunTable(
        run_id="",
        spec=spec,
        data_sha256=ref.sha256,
        rows=np.flatnonzero(keep),
        raw=df[[spec.target, *spec.sensitive]].copy(),
        y=y,
        scores=zeros.astype(float),
        decisions=zeros,
        group=group_keys(df, spec, threshold_features(spec, by)),
        positive=positive,
        negative=None,
    )


def model_inputs(ws: Workspace, run_id: str) -> tuple[Any, pd.DataFrame]:
    """The run's model (`audit.models.LoadedModel`, loaded under the run's own trust settings) and its features for the
    rows with a target, in the order of `load_run`'s rows: what retraining needs. Refuses predictions-only runs."""
    from audit.models import load_model

    spec, data_sha, model_sha = run_spec(ws, run_id)
    if spec.predictions_only:
        raise InputError(
            f"{run_id} was audited from a predictions column: there is no model to retrain.",
            "Retrain from a run of the model file itself (attest audit --model ...).",
        )
    path = _locate(ws, run_id, "data", spec.data_path, data_sha, "data file")
    df, _ = load_dataset(path, sheet=spec.sheet, sensitive=spec.sensitive)
    df = df[df[spec.target].notna().to_numpy()].reset_index(drop=True)
    label, _ = declared_label(spec.positive_label, spec.policy.positive_label, spec.policy.source)
    positive = resolve_positive(df[spec.target], spec.target, label)
    model_path = _locate(ws, run_id, "model", spec.model_path, model_sha, "model file")
    model = load_model(
        model_path,
        positive_label=positive,
        trust_pickle=spec.trust_pickle,
        trusted_types=spec.trusted_types,
        threshold=spec.threshold,
    )
    absent = [f for f in model.features if f not in df.columns]
    if absent:
        raise InputError(
            f"The model of {run_id} expects feature(s) the data file lacks: {', '.join(absent)}.",
            "Retrain from a run whose data holds the model's features.",
        )
    return model, df[list(model.features)]
