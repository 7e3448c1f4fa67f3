"""The plain functions the window runs through `gui.worker.Runner`. No Qt here: each takes ``progress`` and ``cancel``
like `audit.run.run_audit`, calls `audit` / `reports`, and returns plain data for the GUI thread to show.

Each job opens the workspace itself and closes it when done, so no connection is shared between threads. The chart and
PDF jobs live in `gui.report_jobs` (importable from here as before)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gui.processes import in_worker_process
from gui.report_jobs import export_pdf as export_pdf  # re-exported: the views call jobs.<name>
from gui.report_jobs import render_chart as render_chart
from gui.report_jobs import render_charts as render_charts
from gui.report_jobs import save_chart as save_chart


def available(module: str) -> bool:
    """Whether ``module`` (e.g. "reports.export") is installed, without importing it or its package."""
    import importlib.util

    top, _, rest = module.partition(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not rest:
        return spec is not None
    base = Path(next(iter(spec.submodule_search_locations or []), ""))
    rel = Path(*rest.split("."))
    return (base / rel).with_suffix(".py").is_file() or (base / rel / "__init__.py").is_file()


PREVIEW_ROWS = 500
MAX_GROUPS = 60  # a column with more distinct values is not offered as a sensitive feature


@dataclass(frozen=True)
class DataPreview:
    path: str
    ref: Any  # audit.refs.DatasetRef
    columns: list[str]
    dtypes: list[str]
    rows: list[tuple[str, ...]]
    groups: dict[str, list[tuple[str, int]]]  # column -> [(value, count)], for columns with few distinct values
    n_unique: dict[str, int]
    warnings: tuple[str, ...] = ()  # spacing/case variants of a group name, "NA"-like values kept as groups
    # column -> [(value, count)] as the audit reads a target: "NA", "null" and empty cells are missing and those rows
    # are left out, so the favourable-value choice never offers a value the audit will not see
    outcome_values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    outcome_missing: dict[str, int] = field(default_factory=dict)  # column -> rows the audit leaves out as target


@in_worker_process
def load_preview(path: str, *, progress, cancel, rows: int = PREVIEW_ROWS, na_values: tuple[str, ...] = ()) -> DataPreview:
    """Read a dataset, and everything the set-up view shows about it: first rows, columns, groups with counts.

    Group counts follow the audit's rules (audit/values.py): values are read as written ("NA", "null" are groups),
    only truly empty cells are "(missing)", and `na_values` (the user's --na-values) are made missing."""
    from audit.datasets import load_dataset
    from audit.values import apply_na_values, na_like_notes, variant_warnings

    progress("load", 0, 2, f"Reading {Path(path).name}")
    df, ref = load_dataset(path)
    cancel.raise_if_set()
    names = tuple(str(c) for c in df.columns)
    faithful = df if ref.format == "parquet" else load_dataset(path, sheet=ref.sheet, sensitive=names)[0]
    faithful, notes = apply_na_values(faithful, names, na_values)
    progress("groups", 1, 2, "Counting groups")
    groups: dict[str, list[tuple[str, int]]] = {}
    n_unique: dict[str, int] = {}
    candidates = []
    for col in faithful.columns:
        cancel.raise_if_set()
        s = faithful[col]
        n_unique[str(col)] = k = int(s.nunique(dropna=False))
        if k <= MAX_GROUPS:
            counts = s.value_counts(dropna=False)
            groups[str(col)] = [(_value_text(v), int(c)) for v, c in counts.items()]
            candidates.append(str(col))
    warnings = tuple(notes + na_like_notes(faithful, candidates, na_values) + variant_warnings(faithful, candidates))
    outcome_values: dict[str, list[tuple[str, int]]] = {}
    outcome_missing: dict[str, int] = {}
    for col in df.columns:
        s = df[col]
        if s.nunique(dropna=True) <= MAX_GROUPS:
            outcome_values[str(col)] = [(_value_text(v), int(c)) for v, c in s.value_counts(dropna=True).items()]
            outcome_missing[str(col)] = int(s.isna().sum())
    head = df.head(rows)
    text_rows = [tuple(_value_text(v) for v in rec) for rec in head.itertuples(index=False, name=None)]
    progress("done", 2, 2, "Dataset read")
    return DataPreview(
        path=str(path),
        ref=ref,
        columns=[str(c) for c in df.columns],
        dtypes=[str(t) for t in df.dtypes],
        rows=text_rows,
        groups=groups,
        n_unique=n_unique,
        warnings=warnings,
        outcome_values=outcome_values,
        outcome_missing=outcome_missing,
    )


def group_estimate(preview: DataPreview, sensitive: list[str] | tuple[str, ...], max_order: int | None = None) -> tuple[int, str]:
    """The groups and intersections an audit of `sensitive` will create (audit.guards.estimate_groups, the figure the
    audit's own guard refuses above its limit), and the line the set-up page shows before Run."""
    from audit.guards import MAX_GROUPS, estimate_groups

    if not sensitive:
        return 0, "Choose at least one sensitive feature."
    n = estimate_groups({c: preview.n_unique[c] for c in sensitive}, list(sensitive), max_order, rows=preview.ref.rows)
    if n > MAX_GROUPS:
        return n, (
            f"This audit would create up to {n:,} groups and intersections, above the limit of {MAX_GROUPS:,}: "
            "lower the intersection order (--max-order) or choose fewer sensitive features."
        )
    return n, f"This audit will create up to {n:,} groups and intersections (limit {MAX_GROUPS:,})."


def _value_text(v: Any) -> str:
    try:
        import pandas as pd

        if pd.isna(v):
            return "(missing)"
    except (TypeError, ValueError):
        pass
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.6g}"
    return str(v)


@dataclass(frozen=True)
class AuditOutcome:
    result: Any  # audit.result.AuditResult
    run_id: str | None = None
    recorded: bool = False
    note: str = ""


def build_spec(request: dict[str, Any]):
    """The `AuditSpec` for a set-up request (plain values from the set-up page); `InputError` when it is inconsistent.

    Runs in the worker: importing pydantic and the engine would otherwise freeze the window for a second or more."""
    from pydantic import ValidationError

    from audit.errors import InputError
    from audit.explain.settings import ExplainSettings
    from audit.policy import Check, Policy, resolve_policy
    from audit.spec import AuditSpec, DeclaredContext

    r = dict(request)
    r.pop("engine", None)  # which engine computes the statistics is not part of the audit's specification
    policy_req = r.pop("policy")
    try:
        if policy_req.get("preset"):
            policy = resolve_policy(policy_req["preset"])
        else:
            checks = tuple(Check(**c) for c in policy_req["checks"])
            if not checks:
                raise InputError("The custom policy has no checks ticked.", "Tick at least one threshold, or choose a preset.")
            policy = Policy(
                name="custom",
                description="Thresholds declared in the Attest set-up page.",
                checks=checks,
                decision=policy_req.get("decision", "interval"),
                source="gui",
            )
        explain = ExplainSettings(**r.pop("explain"))
        context = DeclaredContext(**r.pop("context"))
        return AuditSpec(policy=policy, explain=explain, context=context, **r)
    except ValidationError as exc:
        msgs = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise InputError(f"The audit options are not consistent: {msgs}.", "Correct the set-up and run again.") from exc


@in_worker_process
def run_audit_job(request: dict[str, Any], workspace: str | None = None, *, progress, cancel) -> AuditOutcome:
    """Build the spec from the set-up request, run the audit, and record it in the workspace's trail (when one is open)."""
    from audit.run import run_audit

    spec = build_spec(request)
    result = run_audit(spec, progress=progress, cancel=cancel, engine=request.get("engine", "numpy"))
    if not workspace:
        return AuditOutcome(result=result)
    progress("record", 1, 1, "Recording the run in the audit trail")
    run_id = record_audit(workspace, result)
    return AuditOutcome(result=result, run_id=run_id, recorded=True)


def record_audit(workspace: str, result) -> str:
    """Register the audited files (so their lineage shows the audit) and record the run with its full result."""
    from audit.recording import record_audit_run
    from audit.trail import Workspace

    with Workspace.open(workspace, create=False) as ws:
        return record_audit_run(ws, result)


@dataclass(frozen=True)
class WorkspaceSnapshot:
    """What the window shows about a workspace, read in one go off the GUI thread."""

    path: str
    name: str
    artifacts: list[Any] = field(default_factory=list)  # audit.trail.Artifact
    file_status: dict[str, str] = field(default_factory=dict)  # artifact id -> ok | changed | missing
    events: list[Any] = field(default_factory=list)  # audit.trail.Event
    runs: list[Any] = field(default_factory=list)  # audit.trail.AuditRunRecord
    head_hash: str = ""
    identity: Any = None  # audit.trail.Actor


def open_workspace(path: str, create: bool = False, *, progress, cancel) -> WorkspaceSnapshot:
    """Open (or create) a workspace and read what the window shows: artifacts with their on-disk status, events, runs."""
    from audit.trail import Workspace

    progress("open", 0, 2, f"Opening {Path(path).name}")
    with Workspace.open(path, create=create) as ws:
        cancel.raise_if_set()
        progress("files", 1, 2, "Checking registered files on disk")
        status = {c.artifact.id: c.status for c in ws.check_files()}
        snap = WorkspaceSnapshot(
            path=str(ws.path),
            name=Path(path).stem,
            artifacts=list(ws.artifacts().values()),
            file_status=status,
            events=ws.events(),
            runs=ws.audit_runs(),
            head_hash=ws.head_hash(),
            identity=ws.whoami(),
        )
    progress("open", 2, 2, "Workspace open")
    return snap


def verify_trail(path: str, *, progress, cancel):
    from audit.trail import Workspace

    progress("verify", 0, 1, "Verifying the hash chain")
    with Workspace.open(path, create=False, readonly=True) as ws:
        return ws.verify()


def lineage(path: str, artifact_id: str, *, progress, cancel):
    from audit.trail import Workspace

    with Workspace.open(path, create=False, readonly=True) as ws:
        return ws.lineage(artifact_id)


def signoff(path: str, run_id: str, reviewer: str, role: str, decision: str, conditions: str, comment: str, *, progress, cancel):
    from audit.trail import Workspace

    with Workspace.open(path, create=False) as ws:
        return ws.signoff(
            run_id, reviewer=reviewer, role=role, decision=decision, conditions=conditions or None, comment=comment or None
        )


def load_run(path: str, run_id: str, *, progress, cancel) -> AuditOutcome:
    """A recorded audit's result, read back from the trail (checked against its recorded hash)."""
    from audit.result import AuditResult
    from audit.trail import Workspace

    progress("load", 0, 1, f"Reading {run_id} from the trail")
    with Workspace.open(path, create=False, readonly=True) as ws:
        text = ws.get_result_json(run_id)
    return AuditOutcome(result=AuditResult.from_json(text), run_id=run_id, recorded=True)


@dataclass(frozen=True)
class DemoWorkspace:
    workspace: str
    model: str
    data: str
    train: str
    values: dict[str, Any] = field(default_factory=dict)  # what the set-up page is pre-filled with


@in_worker_process
def build_demo_workspace(folder: str, *, progress, cancel) -> DemoWorkspace:
    """Train the demo model into ``folder`` and register its files and training in a new ``demo.attest`` workspace."""
    from audit import demo

    folder_p = Path(folder)
    ws_path = folder_p / "demo.attest"
    progress("demo", 0, 3, "Training the demo model on the 1990 Boston mortgage data")
    files = demo.build_demo(folder_p)
    cancel.raise_if_set()
    progress("demo", 2, 3, "Registering the demo files in a new workspace")
    from audit.trail import Workspace

    with Workspace.open(ws_path) as ws:
        demo.record_training_history(ws, files)
    progress("demo", 3, 3, "Demo workspace ready")
    return DemoWorkspace(
        workspace=str(ws_path), model=str(files.model), data=str(files.data), train=str(files.train), values=demo_spec_values()
    )


def demo_spec_values() -> dict[str, Any]:
    """The set-up the demo workspace opens with (mirrors `attest demo`)."""
    from audit import demo

    return dict(
        target=demo.TARGET,
        positive_label="1",
        sensitive=list(demo.SENSITIVE),
        references=dict(demo.REFERENCES),
        policy=demo.POLICY,
        context=dict(demo.CONTEXT),
    )
