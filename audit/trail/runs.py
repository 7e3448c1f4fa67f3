"""Recording runs: who trained which model on which data, audit runs with their stored results, the reports exported
from them and the decisions signed off on them.

Each is one event appended through the ledger; an audit run also stores its full result JSON in the same
transaction, bound to the chain by the SHA-256 its event carries (`verify` re-checks it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.hashing import sha256_bytes
from audit.trail import events as ev
from audit.trail import people, queries, registry, signoffs
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event, iso_utc, jsonable, parse_when, validate_payload
from audit.trail.files import file_facts
from audit.trail.keys import SigningKey
from audit.trail.ledger import Ledger
from audit.trail.registry import artifact_id


def record_training(
    ledger: Ledger,
    model: str | Path,
    datasets: Sequence[str | Path] | str | Path,
    *,
    trainer: str | None = None,
    params: Mapping[str, Any] | None = None,
    code_version: str | None = None,
    trained_at: str | datetime | None = None,
    notes: str | None = None,
) -> Event:
    """A training run; see `Workspace.record_training`."""
    if isinstance(datasets, (str, Path)):
        datasets = [datasets]
    if not datasets:
        raise WorkspaceError(
            "A training record needs at least one dataset.",
            "Name the training data with --dataset PATH (repeat for several files).",
        )
    model_id = registry.resolve(ledger, model, "model")
    dataset_ids = list(dict.fromkeys(registry.resolve(ledger, d, "dataset") for d in datasets))
    me = ledger.whoami()
    payload = {
        "model": model_id,
        "datasets": dataset_ids,
        "trainer": (trainer or me.name or me.user),
        "trained_at": iso_utc(parse_when(trained_at)) if trained_at else iso_utc(),
        "params": jsonable(dict(params or {})),
        "code_version": code_version,
        "notes": notes,
    }
    return ledger.append(ev.TRAINING_RECORDED, payload, [model_id, *dataset_ids])


def record_audit(
    ledger: Ledger,
    spec: Mapping[str, Any],
    result_json: str,
    result_sha256: str,
    model_sha256: str | None,
    dataset_sha256s: Sequence[str],
) -> str:
    """An audit run and its stored result, in one transaction; returns the run id (`run-<12 hex>`)."""
    if sha256_bytes(result_json.encode("utf-8")) != result_sha256:
        raise WorkspaceError(
            "The audit result does not match the SHA-256 given for it.",
            "Pass the SHA-256 of exactly the result JSON text being stored (UTF-8 bytes).",
        )
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    model = artifact_id("model", model_sha256) if model_sha256 else None
    datasets = [artifact_id("dataset", s) for s in dataset_sha256s]
    payload = {
        "run_id": run_id,
        "spec": jsonable(spec),
        "result_sha256": result_sha256,
        "model": model,
        "model_sha256": model_sha256,
        "datasets": datasets,
        "dataset_sha256s": list(dataset_sha256s),
    }
    refs = [run_id, *([model] if model else []), *datasets]
    checked = validate_payload(ev.AUDIT_RUN, payload)
    with ledger.transaction() as conn:
        conn.execute(
            "INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)", (run_id, result_sha256, result_json)
        )
        ledger.insert(conn, ev.AUDIT_RUN, checked, refs)
    return run_id


def result_json(ledger: Ledger, run_id: str) -> str:
    """The stored result JSON of a run, checked against the hash its (chained) audit event recorded."""
    run = queries.run_event(ledger, run_id)
    with ledger.reading() as conn:
        row = conn.execute("SELECT result_json FROM audit_results WHERE run_id = ?", (run_id,)).fetchone()
    text: str | None = row[0] if row is not None else None
    if text is None or sha256_bytes(text.encode("utf-8")) != run.payload["result_sha256"]:
        raise WorkspaceError(
            f"The stored result of {run_id} is missing or was changed after it was recorded.",
            "Run `attest trail verify` to see what else was altered; restore the workspace from a backup.",
        )
    return text


def record_report(
    ledger: Ledger, run_id: str, pdf_path: str | Path, pdf_sha256: str, manifest_sha256: str | None = None
) -> Event:
    """An exported report file (path, SHA-256, size) against its audit run."""
    run = queries.run_event(ledger, run_id)
    facts = file_facts(pdf_path, "report")
    if facts.sha256 != pdf_sha256:
        raise WorkspaceError(
            f"{facts.path} does not have the SHA-256 given for it: it changed after hashing.",
            "Hash the final file (after it is fully written) and record it again.",
        )
    payload = {
        "run_id": run_id,
        "path": facts.path,
        "sha256": facts.sha256,
        "size_bytes": facts.size_bytes,
        "manifest_sha256": manifest_sha256,
    }
    return ledger.append(ev.REPORT_EXPORTED, payload, list(run.refs))


def signoff(
    ledger: Ledger,
    run_id: str,
    decision: str,
    conditions: str | None = None,
    comment: str | None = None,
    *,
    key: SigningKey | None = None,
    reviewer: str | None = None,
    role: str | None = None,
) -> Event:
    """This account's decision on an audit run, under its workspace identity; see `Workspace.signoff`."""
    dec = decision.strip().lower().replace("-", "_").replace(" ", "_")
    if dec not in ev.DECISIONS:
        raise WorkspaceError(f"'{decision}' is not a sign-off decision.", "Use approve, approve_with_conditions or reject.")
    if dec == "approve_with_conditions" and not (conditions or "").strip():
        raise WorkspaceError(
            "An approval with conditions must state the conditions.",
            'Add the conditions, e.g. --conditions "re-audit after retraining in Q3".',
        )
    run = queries.run_event(ledger, run_id)
    me = ledger.whoami()
    if not me.name or not me.role:
        raise WorkspaceError(
            f"A sign-off is recorded under your workspace identity, and {me.user}@{me.host} "
            "has no display name and role in this workspace yet.",
            'Set them once: attest trail whoami --set-name "Dana Kim" --set-role "Compliance officer".',
        )
    for given, own, what in ((reviewer, me.name, "reviewer"), (role, me.role, "role")):
        stated = (given or "").strip()
        if stated and stated != own:
            raise WorkspaceError(
                f"The sign-off {what} '{stated}' is not your workspace identity "
                f"('{own}'): a decision can only be recorded in your own name.",
                "Sign off as yourself, or change your identity with `attest trail whoami "
                "--set-name/--set-role` (that change is itself recorded).",
            )
    if key is not None and key.source == "attest-key" and people.registered_key(ledger) != key.fingerprint:
        people.set_identity(ledger, me.name, me.role, key=key)
    payload = validate_payload(
        ev.SIGNOFF,
        {"run_id": run_id, "reviewer": me.name, "role": me.role, "decision": dec, "conditions": conditions, "comment": comment},
    )
    time = iso_utc()
    if key is not None:
        signed = signoffs.statement(
            workspace_id=ledger.info().get("workspace_id", ""),
            run_id=run_id,
            result_sha256=run.payload["result_sha256"],
            decision=dec,
            conditions=payload["conditions"],
            comment=payload["comment"],
            reviewer=ledger.whoami(),
            time=time,
        )
        payload["signature"] = signoffs.signature_block(key, signed)
    return ledger.append(ev.SIGNOFF, payload, list(run.refs), time=time)
