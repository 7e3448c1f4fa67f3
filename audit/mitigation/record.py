"""Mitigation proposals and their adoption as trail events (EU AI Act Art. 9(4), 10(2)(g); NIST AI RMF MANAGE 1.3).

A proposal records what was tried (method, constraint, split, thresholds) and the SHA-256 of its full JSON result;
adopting one is a decision recorded under the workspace identity of the person who made it, never free text.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from audit.trail import events as ev
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event

if TYPE_CHECKING:
    from audit.trail import Workspace


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    """Before/after headline figures, so the trail alone shows what the proposal claims."""
    out: dict[str, Any] = {}
    for side in ("before", "after"):
        p = result["comparison"][side]
        out[side] = {
            "disparity": p["disparity"]["value"],
            "disparity_low": p["disparity"]["low"],
            "disparity_high": p["disparity"]["high"],
            "accuracy": p["accuracy"]["value"],
        }
    return out


def record_proposal(ws: Workspace, result: dict[str, Any], result_sha256: str) -> Event:
    """Append a `mitigation_proposed` event for `result` (hashed by the caller, see `propose.result_sha256`) and store
    the result's canonical JSON under the proposal id, in one transaction, so the report and a later reader get the
    proposal itself, checked against the hash the chained event recorded."""
    from audit.hashing import canonical_json, sha256_bytes

    run = ws.run_event(result["run_id"])
    payload = {
        "proposal_id": f"mit-{uuid.uuid4().hex[:12]}",
        "run_id": result["run_id"],
        "method": result["method"],
        "constraint": result["constraint"],
        "objective": result["objective"],
        "split": result["split"],
        "thresholds": result["thresholds"],
        "result_sha256": result_sha256,
        "summary": _summary(result),
        "result_stored": True,
    }
    body = canonical_json({k: v for k, v in result.items() if k != "recorded"})
    if sha256_bytes(body) != result_sha256:
        raise ValueError("result_sha256 is not the hash of the result's canonical JSON")
    payload = ev.validate_payload(ev.MITIGATION_PROPOSED, payload)
    ws.whoami()
    with ws.transaction() as conn:
        conn.execute(
            "INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)",
            (payload["proposal_id"], result_sha256, body.decode("utf-8")),
        )
        return ws.insert(conn, ev.MITIGATION_PROPOSED, payload, [payload["proposal_id"], *run.refs])


def proposal_result(ws: Workspace, proposal_id: str) -> dict[str, Any]:
    """The stored proposal (as `attest mitigate --json` wrote it, without its `recorded` block), checked against the
    hash its event recorded."""
    import json

    from audit.hashing import sha256_bytes

    event = proposal(ws, proposal_id)
    with ws.reading() as conn:
        row = conn.execute("SELECT result_json FROM audit_results WHERE run_id = ?", (proposal_id,)).fetchone()
    if row is None or sha256_bytes(row[0].encode("utf-8")) != event.payload["result_sha256"]:
        raise WorkspaceError(
            f"The stored result of {proposal_id} is missing or was changed after it was recorded.",
            "Run `attest trail verify` to see what else was altered; propose again to get a result you can rely on.",
        )
    out: dict[str, Any] = json.loads(row[0])
    return out


def proposal(ws: Workspace, proposal_id: str) -> Event:
    for e in ws.events(kind=ev.MITIGATION_PROPOSED):
        if e.payload["proposal_id"] == proposal_id:
            return e
    raise WorkspaceError(
        f"There is no mitigation proposal '{proposal_id}' in {ws.path.name}.",
        "Use a proposal id from `attest trail log --kind mitigation_proposed`.",
    )


def adopt(ws: Workspace, proposal_id: str, comment: str | None = None) -> Event:
    """Record that this account's identity adopts the proposal. Needs a display name and role (as a sign-off does)."""
    prop = proposal(ws, proposal_id.strip())
    me = ws.whoami()
    if not me.name or not me.role:
        raise WorkspaceError(
            f"Adopting a mitigation is recorded under your workspace identity, and {me.user}@{me.host} "
            "has no display name and role in this workspace yet.",
            'Set them once: attest trail whoami --set-name "Dana Kim" --set-role "ML lead".',
        )
    done = [e for e in ws.events(kind=ev.MITIGATION_ADOPTED) if e.payload["proposal_id"] == prop.payload["proposal_id"]]
    if done:
        who = done[0].payload
        raise WorkspaceError(
            f"{proposal_id} was already adopted by {who['adopted_by']} ({who['role']}) at {done[0].time[:19]}.",
            "Nothing to do; see `attest trail log --kind mitigation_adopted`.",
        )
    p = prop.payload
    payload = {
        "proposal_id": p["proposal_id"],
        "run_id": p["run_id"],
        "result_sha256": p["result_sha256"],
        "adopted_by": me.name,
        "role": me.role,
        "comment": (comment or "").strip() or None,
    }
    return ws.append(ev.MITIGATION_ADOPTED, payload, list(prop.refs))
