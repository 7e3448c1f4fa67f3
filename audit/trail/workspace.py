"""The workspace: one SQLite file (`*.attest`) holding an append-only, hash-chained trail of events.

Writes go through `_transaction()` (BEGIN IMMEDIATE: read the head, insert, move the head, commit), so concurrent
processes queue on SQLite's lock instead of forking the chain; WAL with `synchronous=FULL` makes an acknowledged event
a durable one. Opening never modifies a file that is not an Attest workspace or that a newer Attest wrote.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from audit.cancel import CancelToken, Progress
from audit.hashing import sha256_bytes, sha256_file
from audit.trail import events as ev
from audit.trail.chain import VerifyReport, link_hash, verify
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event, build_body, iso_utc, jsonable, parse_when, validate_payload
from audit.trail.files import file_facts, file_status
from audit.trail.identity import Actor, os_account
from audit.trail.records import Artifact, AuditRunRecord, FileCheck, Registration
from audit.trail.schema import APPLICATION_ID, SCHEMA_VERSION, NewerSchema, migrate

if TYPE_CHECKING:
    from audit.trail.records import DatasetLineage, ModelLineage

ENV_HOME = "ATTEST_HOME"
BUSY_TIMEOUT_S = 10.0
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ARTIFACT_KINDS = (ev.DATASET_REGISTERED, ev.MODEL_REGISTERED, ev.ARTIFACT_RELOCATED)
_PREFIX = {"dataset": "ds", "model": "model"}


def default_workspace_path() -> Path:
    """`$ATTEST_HOME/default.attest`, else `default.attest` in the user's data directory."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser().absolute() / "default.attest"
    import platformdirs

    return Path(platformdirs.user_data_dir("Attest", appauthor=False)) / "default.attest"


def artifact_id(kind: str, sha256: str) -> str:
    """Short, stable id derived from the content: `ds-<12 hex>` or `model-<12 hex>`."""
    return f"{_PREFIX[kind]}-{sha256[:12]}"


class Workspace:
    """An open workspace. Use `Workspace.open(path)`; thread-safe (one lock around the connection)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self._conn = conn
        self._lock = threading.RLock()
        self._identity: Actor | None = None

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True, readonly: bool = False) -> "Workspace":
        """Open (and, unless `readonly` or `create=False`, create or upgrade) a workspace; None = the default one."""
        is_default = path is None
        p = (default_workspace_path() if is_default else Path(path).expanduser()).absolute()
        if p.is_dir():
            raise WorkspaceError(f"{p} is a folder, not a workspace file.",
                                 f"Name a file inside it, e.g. --workspace {p / 'project.attest'}.")
        needs_setup = _inspect(p, readonly=readonly, create=create)
        if needs_setup:
            if not p.exists():
                if is_default:
                    p.parent.mkdir(parents=True, exist_ok=True)
                elif not p.parent.is_dir():
                    raise WorkspaceError(f"The folder {p.parent} does not exist, so {p.name} cannot be created there.",
                                         "Create the folder first, or choose another path for --workspace.")
            _check_writable(p)
            with _sql_errors(p):
                setup = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S)
                try:
                    migrate(setup)
                except NewerSchema as exc:
                    raise _newer_error(p, exc.version) from None
                finally:
                    setup.close()
        elif not readonly:
            _check_writable(p)
        with _sql_errors(p):
            if readonly:
                conn = sqlite3.connect(p.as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA synchronous=FULL")  # acknowledged = on disk, even if the power goes
            conn.execute("SELECT 1 FROM chain_head").fetchone()
        return cls(p, conn, readonly)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # ------------------------------------------------------------------ identity
    def whoami(self) -> Actor:
        """The OS account and host, plus the display name and role last set in this workspace for that account."""
        if self._identity is None:
            user, host = os_account()
            name = role = ""
            with self._reading() as conn:
                rows = conn.execute("SELECT body FROM events WHERE kind = ? AND actor_user = ? ORDER BY seq",
                                    (ev.IDENTITY_SET, user)).fetchall()
            for (body,) in rows:
                e = Event.from_row("", body, "")
                if e.actor.host == host:
                    name, role = e.payload["name"], e.payload["role"]
            self._identity = Actor(user, host, name, role)
        return self._identity

    def set_identity(self, name: str, role: str) -> Event:
        """Set the display name and role recorded on this account's events from now on (itself an event)."""
        event = self._append(ev.IDENTITY_SET, {"name": name, "role": role}, [])
        user, host = os_account()
        self._identity = Actor(user, host, event.payload["name"], event.payload["role"])
        return event

    # ------------------------------------------------------------------ artifacts
    def register_dataset(self, path: str | Path, *, name: str | None = None, version: str | None = None,
                         description: str | None = None) -> Registration:
        return self._register("dataset", path, name, version, description)

    def register_model(self, path: str | Path, *, name: str | None = None, version: str | None = None,
                       description: str | None = None) -> Registration:
        """Records path, size, SHA-256 and a guessed format. The model is never loaded or unpickled."""
        return self._register("model", path, name, version, description)

    def _register(self, kind: str, path: str | Path, name: str | None, version: str | None,
                  description: str | None) -> Registration:
        facts = file_facts(path, kind)  # hash outside the write lock: big files take a while
        aid = artifact_id(kind, facts.sha256)
        other_kind = "model" if kind == "dataset" else "dataset"
        known = self.artifacts()
        previous = known.get(aid)
        old_status = file_status(previous.path, previous.sha256) if previous and previous.path != facts.path else None
        with self._transaction() as conn:
            arts = self._load_artifacts(conn)
            if artifact_id(other_kind, facts.sha256) in arts:
                raise WorkspaceError(f"{facts.path} is already registered as a {other_kind} "
                                     f"({artifact_id(other_kind, facts.sha256)}), so it cannot also be a {kind}.",
                                     f"Register the intended {kind} file instead.")
            existing = arts.get(aid)
            if existing is not None and existing.sha256 != facts.sha256:
                raise WorkspaceError(f"Two different files share the id {aid}.",
                                     "This is astronomically unlikely; please report it with both files' SHA-256.")
            if existing is not None and (existing.path == facts.path or old_status == "ok"):
                where = "" if existing.path == facts.path else f" from {existing.path} (this is an identical copy)"
                return Registration(existing, "already_registered",
                                    f"{facts.path} is already registered as {existing.label()}{where}, event "
                                    f"#{existing.registered_seq}; nothing new was recorded.", None)
            if existing is not None:  # same content, the old path is gone or changed: the file moved
                event = self._insert(conn, ev.ARTIFACT_RELOCATED,
                                     {"artifact_id": aid, "sha256": facts.sha256, "old_path": existing.path,
                                      "new_path": facts.path}, [aid])
                moved = _with_path(existing, facts.path)
                return Registration(moved, "relocated", f"{existing.label()} moved from {existing.path} to "
                                    f"{facts.path}; the move was recorded as event #{event.seq}.", event)
            payload = {"artifact_id": aid, "path": facts.path, "sha256": facts.sha256,
                       "size_bytes": facts.size_bytes, "format": facts.format, "name": name, "version": version,
                       "description": description}
            kind_event = ev.DATASET_REGISTERED if kind == "dataset" else ev.MODEL_REGISTERED
            event = self._insert(conn, kind_event, payload, [aid])
        art = _artifact_from(event)
        same_path = [a for a in known.values() if a.path == facts.path and a.kind == kind]
        note = (f" The file at this path was registered before as {same_path[-1].id} with different content: "
                "it has changed since." if same_path else "")
        return Registration(art, "registered", f"Registered {art.label()} ({facts.format}, {facts.size_bytes:,} "
                            f"bytes) as event #{event.seq}.{note}", event)

    def artifacts(self) -> dict[str, Artifact]:
        """Every registered artifact by id, with its latest known path."""
        with self._reading() as conn:
            return self._load_artifacts(conn)

    def artifact(self, ref: str | Path) -> Artifact:
        """An artifact by id, by full SHA-256, or by a file path: the artifact with that file's current content, else
        the one last registered at that path."""
        arts = self.artifacts()
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
        raise WorkspaceError(f"'{ref}' is not a registered dataset or model in {self.path.name}.",
                             "Use an id shown by `attest trail log` (ds-... / model-...), or register the file first "
                             "with `attest register dataset|model PATH`.")

    def check_files(self) -> list[FileCheck]:
        """Each registered artifact as ok, changed (content differs from its SHA-256) or missing (moved/deleted)."""
        return [FileCheck(a, file_status(a.path, a.sha256)) for a in self.artifacts().values()]

    def _load_artifacts(self, conn: sqlite3.Connection) -> dict[str, Artifact]:
        arts: dict[str, Artifact] = {}
        marks = ",".join("?" * len(_ARTIFACT_KINDS))
        for prev, body, h in conn.execute(f"SELECT prev_hash, body, hash FROM events WHERE kind IN ({marks}) "
                                          "ORDER BY seq", _ARTIFACT_KINDS):
            e = Event.from_row(prev, body, h)
            if e.kind == ev.ARTIFACT_RELOCATED:
                aid = e.payload["artifact_id"]
                if aid in arts:
                    arts[aid] = _with_path(arts[aid], e.payload["new_path"])
            else:
                arts[e.payload["artifact_id"]] = _artifact_from(e)
        return arts

    def _resolve(self, ref: str | Path, kind: str) -> str:
        """An artifact id for `ref`: a file is hashed and registered if its content is new (so a model retrained into
        the same path is a new artifact); otherwise an artifact id or SHA-256."""
        key = str(ref).strip()
        if Path(key).expanduser().is_file():
            art = self._register(kind, key, None, None, None).artifact
        else:
            try:
                art = self.artifact(key)
            except WorkspaceError:
                raise WorkspaceError(f"'{ref}' is neither a registered {kind} id nor an existing file.",
                                     f"Give the {kind} file's path, or an id from `attest trail log`.") from None
        if art.kind != kind:
            raise WorkspaceError(f"{art.id} is a {art.kind}, not a {kind}.", f"Name a {kind} here.")
        return art.id

    # ------------------------------------------------------------------ training, audits, reports, sign-off
    def record_training(self, model: str | Path, datasets: Sequence[str | Path], *, trainer: str | None = None,
                        params: Mapping[str, Any] | None = None, code_version: str | None = None,
                        trained_at: str | datetime | None = None, notes: str | None = None) -> Event:
        """Who trained which model on which dataset(s), when, with which parameters and code version.

        `model` and `datasets` are artifact ids or file paths (unregistered files are registered first).
        `trainer` defaults to this account's display name (or OS user); `trained_at` to now.
        """
        if isinstance(datasets, (str, Path)):
            datasets = [datasets]
        if not datasets:
            raise WorkspaceError("A training record needs at least one dataset.",
                                 "Name the training data with --dataset PATH (repeat for several files).")
        model_id = self._resolve(model, "model")
        dataset_ids = list(dict.fromkeys(self._resolve(d, "dataset") for d in datasets))
        me = self.whoami()
        payload = {"model": model_id, "datasets": dataset_ids, "trainer": (trainer or me.name or me.user),
                   "trained_at": iso_utc(parse_when(trained_at)) if trained_at else iso_utc(),
                   "params": jsonable(dict(params or {})), "code_version": code_version, "notes": notes}
        return self._append(ev.TRAINING_RECORDED, payload, [model_id, *dataset_ids])

    def record_audit(self, spec: dict, result_json: str, result_sha256: str, model_sha256: str | None,
                     dataset_sha256s: list[str]) -> str:
        """Record an audit run and store its full result; returns the run id (`run-<12 hex>`).

        `result_sha256` must be the SHA-256 of `result_json` encoded as UTF-8; the event carries it, so the stored
        result is bound by the chain and `verify` checks it.
        """
        if sha256_bytes(result_json.encode("utf-8")) != result_sha256:
            raise WorkspaceError("The audit result does not match the SHA-256 given for it.",
                                 "Pass the SHA-256 of exactly the result JSON text being stored (UTF-8 bytes).")
        run_id = f"run-{uuid.uuid4().hex[:12]}"
        model = artifact_id("model", model_sha256) if model_sha256 else None
        datasets = [artifact_id("dataset", s) for s in dataset_sha256s]
        payload = {"run_id": run_id, "spec": jsonable(spec), "result_sha256": result_sha256, "model": model,
                   "model_sha256": model_sha256, "datasets": datasets, "dataset_sha256s": list(dataset_sha256s)}
        refs = [run_id, *([model] if model else []), *datasets]
        payload = validate_payload(ev.AUDIT_RUN, payload)
        with self._transaction() as conn:
            conn.execute("INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)",
                         (run_id, result_sha256, result_json))
            self._insert(conn, ev.AUDIT_RUN, payload, refs)
        return run_id

    def get_result_json(self, run_id: str) -> str:
        """The stored result JSON of a run, checked against the hash its (chained) audit event recorded."""
        run = self._run_event(run_id)
        with self._reading() as conn:
            row = conn.execute("SELECT result_json FROM audit_results WHERE run_id = ?", (run_id,)).fetchone()
        if row is None or sha256_bytes(row[0].encode("utf-8")) != run.payload["result_sha256"]:
            raise WorkspaceError(f"The stored result of {run_id} is missing or was changed after it was recorded.",
                                 "Run `attest trail verify` to see what else was altered; restore the workspace "
                                 "from a backup.")
        return row[0]

    def record_report(self, run_id: str, pdf_path: str | Path, pdf_sha256: str,
                      manifest_sha256: str | None = None) -> Event:
        """Record an exported report file (path, SHA-256, size) against its audit run."""
        run = self._run_event(run_id)
        facts = file_facts(pdf_path, "report")
        if facts.sha256 != pdf_sha256:
            raise WorkspaceError(f"{facts.path} does not have the SHA-256 given for it: it changed after hashing.",
                                 "Hash the final file (after it is fully written) and record it again.")
        payload = {"run_id": run_id, "path": facts.path, "sha256": facts.sha256, "size_bytes": facts.size_bytes,
                   "manifest_sha256": manifest_sha256}
        return self._append(ev.REPORT_EXPORTED, payload, list(run.refs))

    def signoff(self, run_id: str, reviewer: str | None, role: str | None, decision: str,
                conditions: str | None = None, comment: str | None = None) -> Event:
        """A reviewer's decision on an audit run: approve, approve_with_conditions (needs conditions) or reject.

        `reviewer`/`role` default to this account's display name and role."""
        dec = decision.strip().lower().replace("-", "_").replace(" ", "_")
        if dec not in ev.DECISIONS:
            raise WorkspaceError(f"'{decision}' is not a sign-off decision.",
                                 "Use approve, approve_with_conditions or reject.")
        if dec == "approve_with_conditions" and not (conditions or "").strip():
            raise WorkspaceError("An approval with conditions must state the conditions.",
                                 "Add the conditions, e.g. --conditions \"re-audit after retraining in Q3\".")
        run = self._run_event(run_id)
        me = self.whoami()
        reviewer = (reviewer or "").strip() or me.name or me.user
        role = (role or "").strip() or me.role
        if not role:
            raise WorkspaceError("A sign-off needs the reviewer's role.",
                                 "Pass --role (e.g. \"Compliance officer\"), or set it once with "
                                 "`attest trail whoami --set-name NAME --set-role ROLE`.")
        payload = {"run_id": run_id, "reviewer": reviewer, "role": role, "decision": dec,
                   "conditions": conditions, "comment": comment}
        return self._append(ev.SIGNOFF, payload, list(run.refs))

    def add_note(self, text: str, refs: Iterable[str] = ()) -> Event:
        return self._append(ev.NOTE, {"text": text}, list(refs))

    def audit_runs(self) -> list[AuditRunRecord]:
        """Every recorded audit run with its reports and sign-offs."""
        with self._reading() as conn:
            rows = conn.execute("SELECT prev_hash, body, hash FROM events WHERE kind IN (?, ?, ?) ORDER BY seq",
                                (ev.AUDIT_RUN, ev.REPORT_EXPORTED, ev.SIGNOFF)).fetchall()
        return _audit_records([Event.from_row(*r) for r in rows])

    def open_signoffs(self) -> list[AuditRunRecord]:
        """Audit runs nobody has signed off yet, oldest first."""
        return [r for r in self.audit_runs() if not r.signoffs]

    def _run_event(self, run_id: str) -> Event:
        with self._reading() as conn:
            for row in conn.execute("SELECT prev_hash, body, hash FROM events WHERE kind = ? ORDER BY seq",
                                    (ev.AUDIT_RUN,)):
                e = Event.from_row(*row)
                if e.payload["run_id"] == run_id:
                    return e
        raise WorkspaceError(f"There is no audit run '{run_id}' in {self.path.name}.",
                             "Use a run id from `attest trail log --kind audit_run` or `attest signoff --pending`.")

    # ------------------------------------------------------------------ reading the trail
    def events(self, actor: str | None = None, artifact: str | None = None, since: str | datetime | None = None,
               kind: str | None = None, limit: int | None = None) -> list[Event]:
        """Events, oldest first. `actor`: the OS user, or part of the display name (any case). `artifact`: an artifact
        or run id, SHA-256 or registered path. `since`: an ISO date/time (naive = local time). `limit`: the newest N."""
        where, args = [], []
        if actor:
            where.append("(actor_user = ? COLLATE NOCASE OR instr(lower(actor_name), lower(?)) > 0)")
            args += [actor.strip(), actor.strip()]
        if artifact:
            ref = artifact if str(artifact).startswith("run-") else self._ref_id(artifact)
            where.append("EXISTS (SELECT 1 FROM json_each(events.body, '$.refs') WHERE json_each.value = ?)")
            args.append(ref)
        if since:
            where.append("time >= ?")
            args.append(iso_utc(parse_when(since)))
        if kind:
            where.append("kind = ?")
            args.append(kind)
        sql = "SELECT seq, prev_hash, body, hash FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        if limit:  # the newest `limit` events, still shown oldest first
            sql = f"SELECT * FROM ({sql} ORDER BY seq DESC LIMIT {int(limit)})"
        sql = f"SELECT prev_hash, body, hash FROM ({sql}) ORDER BY seq"
        with self._reading() as conn:
            return [Event.from_row(*row) for row in conn.execute(sql, args)]

    def _ref_id(self, ref: str | Path) -> str:
        try:
            return self.artifact(ref).id
        except WorkspaceError:
            key = str(ref).strip()
            if key.startswith(("ds-", "model-")):
                return key  # audited by hash but never registered: still findable by id
            raise

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest event; (0, 64 zeros) for an empty trail."""
        with self._reading() as conn:
            seq, h = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        return seq, h

    def head_hash(self) -> str:
        """The hash that pins the whole trail so far; print it in reports so the trail can be anchored later."""
        return self.head()[1]

    def info(self) -> dict[str, str]:
        with self._reading() as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        seq, h = self.head()
        return meta | {"path": str(self.path), "events": str(seq), "head_hash": h}

    def verify(self, anchors: Iterable[str] = (), *, progress: Progress | None = None,
               cancel: CancelToken | None = None) -> VerifyReport:
        """Re-check every hash, the chain head and the stored results; see `audit.trail.chain`. `anchors`: hashes
        printed elsewhere earlier (e.g. a report's head hash) that must still be in the trail."""
        with self._lock, _sql_errors(self.path):
            return verify(self._conn, anchors, progress, cancel)

    def lineage(self, artifact: str) -> "ModelLineage | DatasetLineage":
        """For a model: training data, trainers, audits, reports, sign-offs. For a dataset: models and audits."""
        from audit.trail.lineage import lineage

        return lineage(self, artifact)

    # ------------------------------------------------------------------ writing
    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _sql_errors(self.path):
            yield self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise WorkspaceError(f"{self.path} was opened read-only, so nothing can be recorded in it.",
                                 "Open it without read-only mode to record events.")
        with self._lock, _sql_errors(self.path, writing=True):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")  # take the write lock before reading the head: no forks
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _insert(self, conn: sqlite3.Connection, kind: str, payload: dict[str, Any], refs: list[str]) -> Event:
        """Append inside an open transaction. The payload must already be valid for `kind`."""
        payload = validate_payload(kind, payload)
        seq, prev = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
        seq += 1
        body = build_body(seq=seq, event_id=_new_event_id(), kind=kind, time=iso_utc(),
                          actor=self.whoami(), refs=list(dict.fromkeys(refs)), payload=payload)
        h = link_hash(prev, body)
        conn.execute("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", (seq, prev, body, h))
        return Event.from_row(prev, body, h)

    def _append(self, kind: str, payload: Mapping[str, Any], refs: list[str]) -> Event:
        payload = validate_payload(kind, payload)  # before taking the lock: bad input never blocks others
        self.whoami()
        with self._transaction() as conn:
            return self._insert(conn, kind, payload, refs)

    def append_note_batch(self, texts: Iterable[str]) -> int:
        """Append many notes in one transaction (bulk imports, benchmarks); they share one timestamp, as they are
        committed together. Returns how many were appended."""
        actor = self.whoami()
        now = iso_utc()
        with self._transaction() as conn:
            seq, prev = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
            first = seq

            def rows() -> Iterator[tuple[int, str, str, str]]:
                nonlocal seq, prev
                for text in texts:
                    seq += 1
                    body = build_body(seq=seq, event_id=_new_event_id(), kind=ev.NOTE, time=now, actor=actor,
                                      refs=[], payload={"text": text})
                    h = link_hash(prev, body)
                    yield seq, prev, body, h
                    prev = h

            conn.executemany("INSERT INTO events(seq, prev_hash, body, hash) VALUES (?, ?, ?, ?)", rows())
            return seq - first


# ---------------------------------------------------------------------- helpers
def _new_event_id() -> str:
    return "ev-" + os.urandom(8).hex()  # 64 random bits; unique within and across workspaces in practice


def _artifact_from(e: Event) -> Artifact:
    p = e.payload
    return Artifact(id=p["artifact_id"], kind="dataset" if e.kind == ev.DATASET_REGISTERED else "model",
                    path=p["path"], sha256=p["sha256"], size_bytes=p["size_bytes"], format=p["format"],
                    name=p.get("name"), version=p.get("version"), description=p.get("description"),
                    registered_seq=e.seq, registered_at=e.time, registered_by=e.actor)


def _with_path(a: Artifact, path: str) -> Artifact:
    from dataclasses import replace

    return replace(a, path=path)


def _audit_records(events: list[Event]) -> list[AuditRunRecord]:
    runs: dict[str, Event] = {}
    reports: dict[str, list[Event]] = {}
    signoffs: dict[str, list[Event]] = {}
    for e in events:
        run_id = e.payload.get("run_id")
        if e.kind == ev.AUDIT_RUN:
            runs[run_id] = e
        elif e.kind == ev.REPORT_EXPORTED:
            reports.setdefault(run_id, []).append(e)
        elif e.kind == ev.SIGNOFF:
            signoffs.setdefault(run_id, []).append(e)
    return [AuditRunRecord(run_id=r, event=e, model=e.payload.get("model"), datasets=tuple(e.payload["datasets"]),
                           result_sha256=e.payload["result_sha256"], reports=tuple(reports.get(r, ())),
                           signoffs=tuple(signoffs.get(r, ()))) for r, e in runs.items()]


def _newer_error(p: Path, version: int) -> WorkspaceError:
    return WorkspaceError(f"{p} was created by a newer Attest (workspace schema {version}; this Attest reads up to "
                          f"{SCHEMA_VERSION}). It was left untouched.",
                          "Update Attest to open this workspace, or use another one with --workspace.")


def _inspect(p: Path, *, readonly: bool, create: bool) -> bool:
    """Check an existing file without writing to it. True when it must be created or upgraded first."""
    if not p.exists():
        if readonly or not create:
            raise WorkspaceError(f"There is no workspace at {p}.",
                                 "Check the path given to --workspace; any `attest register ...` command creates it.")
        return True
    try:
        with open(p, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise WorkspaceError(f"{p} cannot be read: {exc.strerror or exc}.",
                             "Check that you may read the file.") from exc
    if not head:
        if p.suffix != ".attest":
            raise WorkspaceError(f"{p} is an empty file, not an Attest workspace.",
                                 "Name a *.attest file, or a new path to create a workspace there.")
        if readonly:
            raise WorkspaceError(f"{p} is empty: it holds no trail yet.", "Record something in it first.")
        return True
    if not head.startswith(_SQLITE_MAGIC):
        raise WorkspaceError(f"{p} is not an Attest workspace (it is not an SQLite database); it was left untouched.",
                             "Name a *.attest file created by Attest, or a new path to create a workspace there.")
    try:
        ro = sqlite3.connect(p.as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            app = ro.execute("PRAGMA application_id").fetchone()[0]
            version = ro.execute("PRAGMA user_version").fetchone()[0]
            tables = ro.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            ro.close()
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, p) from exc
    if app == 0 and tables == 0 and p.suffix == ".attest" and not readonly:
        return True  # an empty SQLite file named *.attest: initialise it
    if app != APPLICATION_ID:
        raise WorkspaceError(f"{p} is an SQLite database but not an Attest workspace; it was left untouched.",
                             "Name a *.attest file created by Attest, or a new path to create a workspace there.")
    if version > SCHEMA_VERSION:
        raise _newer_error(p, version)
    if version < SCHEMA_VERSION:
        if readonly:
            raise WorkspaceError(f"{p} was made by an older Attest and must be upgraded before it can be read.",
                                 "Open it once without read-only mode (e.g. `attest trail whoami`) to upgrade it.")
        return True
    return False


def _check_writable(p: Path) -> None:
    """Refuse early, and clearly, when the file or its folder is read-only. The file's mode bits are honoured even
    for accounts (root) that could write anyway: a file marked read-only was meant to stay as it is."""
    if p.exists() and (not os.access(p, os.W_OK) or not p.stat().st_mode & 0o222):
        raise WorkspaceError(f"{p} is read-only, so Attest cannot record anything in it.",
                             f"Make it writable (e.g. `chmod u+w '{p}'`), or choose another workspace with "
                             "--workspace. Reading commands (trail log, verify, export) work on read-only files.")
    if not os.access(p.parent, os.W_OK):
        raise WorkspaceError(f"The folder {p.parent} is read-only, so the workspace there cannot be written "
                             "(SQLite keeps its write-ahead log next to the file).",
                             "Move the workspace to a writable folder, or make the folder writable.")


@contextmanager
def _sql_errors(p: Path, writing: bool = False) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc, p, writing) from exc


def _translate(exc: sqlite3.Error, p: Path, writing: bool = False) -> WorkspaceError:
    """sqlite3 errors as messages for people. Every write is one transaction, so none of these leaves a half-write."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(exc)
    lost = " The event was not recorded; the trail is as it was." if writing else ""
    if code == 13 or "disk is full" in text:
        return WorkspaceError(f"The disk holding {p} is full.{lost}", "Free some disk space, then try again.")
    if code == 8 or "readonly" in text:
        return WorkspaceError(f"{p} is read-only, so Attest cannot record anything in it.{lost}",
                              "Make the file and its folder writable, or choose another workspace with --workspace.")
    if code in (5, 6) or "locked" in text:
        return WorkspaceError(f"{p} is busy: another program kept it locked for more than "
                              f"{BUSY_TIMEOUT_S:.0f} s.{lost}",
                              "Wait for the other Attest process to finish, then try again.")
    if code in (11, 26) or "not a database" in text or "malformed" in text:
        return WorkspaceError(f"{p} is damaged or not an Attest workspace; it was left untouched.",
                              "Restore it from a backup (check the backup with `attest trail verify`), or name "
                              "another workspace.")
    if code == 14:
        return WorkspaceError(f"{p} cannot be opened.", "Check that the folder exists and that you may write to it.")
    if code == 10:
        return WorkspaceError(f"Reading or writing {p} failed (I/O error).{lost}",
                              "Check the drive or network share holding the workspace, then try again.")
    if code == 19 and "attest:" in text:
        return WorkspaceError(f"The workspace refused the write ({text.removeprefix('attest: ')}).{lost}",
                              "The trail is append-only: record a new event (e.g. a note) instead of changing one.")
    return WorkspaceError(f"Workspace {p}: {text}.{lost}",
                          "If this persists, check the file with `attest trail verify`.")
