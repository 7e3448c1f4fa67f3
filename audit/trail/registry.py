"""The registry: which dataset and model files the trail knows, by content (SHA-256), and where they last were.

Built from registration and relocation events only. Registering hashes a file; it never loads or unpickles it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from audit.hashing import sha256_file
from audit.trail import events as ev
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event
from audit.trail.files import file_facts, file_status
from audit.trail.ledger import Ledger
from audit.trail.records import Artifact, FileCheck, Registration

ARTIFACT_KINDS = (ev.DATASET_REGISTERED, ev.MODEL_REGISTERED, ev.ARTIFACT_RELOCATED)
_PREFIX = {"dataset": "ds", "model": "model"}


def artifact_id(kind: str, sha256: str) -> str:
    """Short, stable id derived from the content: `ds-<12 hex>` or `model-<12 hex>`."""
    return f"{_PREFIX[kind]}-{sha256[:12]}"


def register(
    ledger: Ledger,
    kind: str,
    path: str | Path,
    name: str | None = None,
    version: str | None = None,
    description: str | None = None,
) -> Registration:
    facts = file_facts(path, kind)  # hash outside the write lock: big files take a while
    aid = artifact_id(kind, facts.sha256)
    other_kind = "model" if kind == "dataset" else "dataset"
    known = artifacts(ledger)
    previous = known.get(aid)
    old_status = file_status(previous.path, previous.sha256) if previous and previous.path != facts.path else None
    with ledger.transaction() as conn:
        arts = load_artifacts(conn)
        if artifact_id(other_kind, facts.sha256) in arts:
            raise WorkspaceError(
                f"{facts.path} is already registered as a {other_kind} "
                f"({artifact_id(other_kind, facts.sha256)}), so it cannot also be a {kind}.",
                f"Register the intended {kind} file instead.",
            )
        existing = arts.get(aid)
        if existing is not None and existing.sha256 != facts.sha256:
            raise WorkspaceError(
                f"Two different files share the id {aid}.",
                "This is astronomically unlikely; please report it with both files' SHA-256.",
            )
        if existing is not None and (existing.path == facts.path or old_status == "ok"):
            where = "" if existing.path == facts.path else f" from {existing.path} (this is an identical copy)"
            return Registration(
                existing,
                "already_registered",
                f"{facts.path} is already registered as {existing.label()}{where}, event "
                f"#{existing.registered_seq}; nothing new was recorded.",
                None,
            )
        if existing is not None:  # same content, the old path is gone or changed: the file moved
            event = ledger.insert(
                conn,
                ev.ARTIFACT_RELOCATED,
                {"artifact_id": aid, "sha256": facts.sha256, "old_path": existing.path, "new_path": facts.path},
                [aid],
            )
            moved = replace(existing, path=facts.path)
            return Registration(
                moved,
                "relocated",
                f"{existing.label()} moved from {existing.path} to {facts.path}; the move was recorded as event #{event.seq}.",
                event,
            )
        payload = {
            "artifact_id": aid,
            "path": facts.path,
            "sha256": facts.sha256,
            "size_bytes": facts.size_bytes,
            "format": facts.format,
            "name": name,
            "version": version,
            "description": description,
        }
        kind_event = ev.DATASET_REGISTERED if kind == "dataset" else ev.MODEL_REGISTERED
        event = ledger.insert(conn, kind_event, payload, [aid])
    art = artifact_from(event)
    same_path = [a for a in known.values() if a.path == facts.path and a.kind == kind]
    note = (
        f" The file at this path was registered before as {same_path[-1].id} with different content: it has changed since."
        if same_path
        else ""
    )
    return Registration(
        art,
        "registered",
        f"Registered {art.label()} ({facts.format}, {facts.size_bytes:,} bytes) as event #{event.seq}.{note}",
        event,
    )


def artifacts(ledger: Ledger) -> dict[str, Artifact]:
    """Every registered artifact by id, with its latest known path."""
    with ledger.reading() as conn:
        return load_artifacts(conn)


def find(ledger: Ledger, ref: str | Path) -> Artifact:
    """An artifact by id, by full SHA-256, or by a file path: the artifact with that file's current content, else
    the one last registered at that path."""
    arts = artifacts(ledger)
    key = str(ref).strip()
    if key in arts:
        return arts[key]
    by_sha = {a.sha256: a for a in arts.values()}
    if key.lower() in by_sha:
        return by_sha[key.lower()]
    p = Path(key).expanduser()
    if p.is_file():
        try:
            current = by_sha.get(sha256_file(p))
        except OSError:
            current = None
        at_path = [a for a in arts.values() if a.path == str(p.resolve())]
        if current or at_path:
            return current or at_path[-1]
    raise WorkspaceError(
        f"'{ref}' is not a registered dataset or model in {ledger.path.name}.",
        "Use an id shown by `attest trail log` (ds-... / model-...), or register the file first "
        "with `attest register dataset|model PATH`.",
    )


def check_files(ledger: Ledger) -> list[FileCheck]:
    """Each registered artifact as ok, changed (content differs from its SHA-256) or missing (moved/deleted)."""
    return [FileCheck(a, file_status(a.path, a.sha256)) for a in artifacts(ledger).values()]


def resolve(ledger: Ledger, ref: str | Path, kind: str) -> str:
    """An artifact id for `ref`: a file is hashed and registered if its content is new (so a model retrained into
    the same path is a new artifact); otherwise an artifact id or SHA-256."""
    key = str(ref).strip()
    if Path(key).expanduser().is_file():
        art = register(ledger, kind, key).artifact
    else:
        try:
            art = find(ledger, key)
        except WorkspaceError:
            raise WorkspaceError(
                f"'{ref}' is neither a registered {kind} id nor an existing file.",
                f"Give the {kind} file's path, or an id from `attest trail log`.",
            ) from None
    if art.kind != kind:
        raise WorkspaceError(f"{art.id} is a {art.kind}, not a {kind}.", f"Name a {kind} here.")
    return art.id


def ref_id(ledger: Ledger, ref: str | Path) -> str:
    """The artifact id `ref` names; ids of artifacts audited by hash but never registered are kept as they are."""
    try:
        return find(ledger, ref).id
    except WorkspaceError:
        key = str(ref).strip()
        if key.startswith(("ds-", "model-")):
            return key
        raise


def load_artifacts(conn: sqlite3.Connection) -> dict[str, Artifact]:
    arts: dict[str, Artifact] = {}
    marks = ",".join("?" * len(ARTIFACT_KINDS))
    for prev, body, h in conn.execute(
        f"SELECT prev_hash, body, hash FROM events WHERE kind IN ({marks}) ORDER BY seq", ARTIFACT_KINDS
    ):
        e = Event.from_row(prev, body, h)
        if e.kind == ev.ARTIFACT_RELOCATED:
            aid = e.payload["artifact_id"]
            if aid in arts:
                arts[aid] = replace(arts[aid], path=e.payload["new_path"])
        else:
            arts[e.payload["artifact_id"]] = artifact_from(e)
    return arts


def artifact_from(e: Event) -> Artifact:
    p = e.payload
    return Artifact(
        id=p["artifact_id"],
        kind="dataset" if e.kind == ev.DATASET_REGISTERED else "model",
        path=p["path"],
        sha256=p["sha256"],
        size_bytes=p["size_bytes"],
        format=p["format"],
        name=p.get("name"),
        version=p.get("version"),
        description=p.get("description"),
        registered_seq=e.seq,
        registered_at=e.time,
        registered_by=e.actor,
    )
