"""Recording a proposal and binding its JSON to the trail: the one sequence the CLI and the app both run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.mitigation import record
from audit.mitigation.propose import result_sha256
from audit.trail.errors import WorkspaceError

if TYPE_CHECKING:
    from audit.trail import Workspace


def need_identity(ws: Workspace, what: str = "Adopting a mitigation") -> None:
    """Refuse before any work is done when the decision could not be recorded under a named person."""
    me = ws.whoami()
    if not me.name or not me.role:
        raise WorkspaceError(
            f"{what} is recorded under your workspace identity, and {me.user}@{me.host} has no display name and "
            "role in this workspace yet.",
            'Set them once: attest trail whoami --set-name "Dana Kim" --set-role "ML lead" (in the app: Workspace > Who am I…).',
        )


def record_and_bind(ws: Workspace, result: dict[str, Any], *, adopt: bool = False, comment: str | None = None) -> dict[str, Any]:
    """Append the `mitigation_proposed` event (and `mitigation_adopted` with `adopt`); returns the `recorded` block,
    which is also set on `result` (the hash covers the result without it)."""
    sha = result_sha256(result)
    event = record.record_proposal(ws, result, sha)
    recorded: dict[str, Any] = {
        "proposal_id": event.payload["proposal_id"],
        "result_sha256": sha,
        "event_hash": event.hash,
        "workspace": str(ws.path),
    }
    if adopt:
        recorded |= adoption(ws, event.payload["proposal_id"], comment)
    result["recorded"] = recorded
    return recorded


def adoption(ws: Workspace, proposal_id: str, comment: str | None = None) -> dict[str, Any]:
    """Record the adoption; returns the fields the `recorded` block gains."""
    adopted = record.adopt(ws, proposal_id, comment)
    return {"adopted_by": adopted.payload["adopted_by"], "role": adopted.payload["role"], "adoption_event_hash": adopted.hash}
