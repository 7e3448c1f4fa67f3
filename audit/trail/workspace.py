"""The workspace: one SQLite file (`*.attest`) holding an append-only, hash-chained trail of events.

Layers, each in its own module: `storage` (opening a file, read-only access, SQLite errors as messages), `ledger` (the
connection and the append/chain core), `registry` (datasets and models by content), `signoffs` (signed decisions).
`Workspace` is the one public object over them: what training code, the CLI and the app record and read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.cancel import CancelToken, Progress
from audit.hashing import sha256_bytes
from audit.trail import events as ev
from audit.trail import registry, signoffs
from audit.trail.chain import Problem, VerifyReport
from audit.trail.errors import WorkspaceError
from audit.trail.events import Event, iso_utc, jsonable, parse_when, validate_payload
from audit.trail.files import file_facts, file_status
from audit.trail.identity import Actor, os_account
from audit.trail.keys import SigningKey
from audit.trail.ledger import Ledger
from audit.trail.lineage import lineage as _lineage
from audit.trail.records import Artifact, AuditRunRecord, DatasetLineage, FileCheck, ModelLineage, Registration
from audit.trail.registry import artifact_id
from audit.trail.storage import check_can_record, default_workspace_path, open_file

__all__ = ["Workspace", "artifact_id", "default_workspace_path"]


class Workspace(Ledger):
    """An open workspace. Use `Workspace.open(path)`; thread-safe (one lock around the connection)."""

    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True, readonly: bool = False) -> Workspace:
        """Open (and, unless `readonly` or `create=False`, create or upgrade) a workspace; None = the default one.

        Read-only opening works on read-only files and media and never writes to the file or its folder."""
        return cls(open_file(path, create=create, readonly=readonly))

    @staticmethod
    def check(path: str | Path | None = None) -> Path:
        """Raise the `WorkspaceError` that opening `path` for recording would raise, without writing anything."""
        return check_can_record(path)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # ------------------------------------------------------------------ identity
    def set_identity(self, name: str, role: str, *, key: SigningKey | None = None) -> Event:
        """Set the display name and role recorded on this account's events from now on (itself an event).

        `key`: an Attest sign-off key to register for this account; otherwise the one registered before is kept."""
        user, host = os_account()
        previous = self.identity_event(user, host)
        kept = previous.payload.get("key_fingerprint") if previous else None
        fp = key.fingerprint if key is not None and key.source == "attest-key" else kept
        event = self.append(ev.IDENTITY_SET, {"name": name, "role": role, "key_fingerprint": fp}, [])
        self._identity = Actor(user, host, event.payload["name"], event.payload["role"])
        return event

    def registered_key(self) -> str | None:
        """The fingerprint of the Attest sign-off key this account's identity names in this workspace, if any."""
        user, host = os_account()
        last = self.identity_event(user, host)
        return last.payload.get("key_fingerprint") if last else None

    # ------------------------------------------------------------------ artifacts
    def register_dataset(
        self, path: str | Path, *, name: str | None = None, version: str | None = None, description: str | None = None
    ) -> Registration:
        return registry.register(self, "dataset", path, name, version, description)

    def register_model(
        self, path: str | Path, *, name: str | None = None, version: str | None = None, description: str | None = None
    ) -> Registration:
        """Records path, size, SHA-256 and a guessed format. The model is never loaded or unpickled."""
        return registry.register(self, "model", path, name, version, description)

    def artifacts(self) -> dict[str, Artifact]:
        """Every registered artifact by id, with its latest known path."""
        return registry.artifacts(self)

    def artifact(self, ref: str | Path) -> Artifact:
        """An artifact by id, by full SHA-256, or by a file path (its current content, else the last registration
        at that path)."""
        return registry.find(self, ref)

    def check_files(self) -> list[FileCheck]:
        """Each registered artifact as ok, changed (content differs from its SHA-256) or missing (moved/deleted)."""
        return registry.check_files(self)

    def check_reports(self) -> list[tuple[Event, str]]:
        """The newest recorded export at each report path, with its file's state now: ok, changed or missing."""
        latest = {e.payload["path"]: e for e in self.events(kind=ev.REPORT_EXPORTED)}
        return [(e, file_status(path, e.payload["sha256"])) for path, e in latest.items()]

    # ------------------------------------------------------------------ training, audits, reports, sign-off
    def record_training(
        self,
        model: str | Path,
        datasets: Sequence[str | Path],
        *,
        trainer: str | None = None,
        params: Mapping[str, Any] | None = None,
        code_version: str | None = None,
        trained_at: str | datetime | None = None,
        notes: str | None = None,
    ) -> Event:
        """Who trained which model on which dataset(s), when, with which parameters and code version.

        `model` and `datasets` are artifact ids or file paths (unregistered files are registered first).
        `trainer` defaults to this account's display name (or OS user); `trained_at` to now.
        """
        if isinstance(datasets, (str, Path)):
            datasets = [datasets]
        if not datasets:
            raise WorkspaceError(
                "A training record needs at least one dataset.",
                "Name the training data with --dataset PATH (repeat for several files).",
            )
        model_id = registry.resolve(self, model, "model")
        dataset_ids = list(dict.fromkeys(registry.resolve(self, d, "dataset") for d in datasets))
        me = self.whoami()
        payload = {
            "model": model_id,
            "datasets": dataset_ids,
            "trainer": (trainer or me.name or me.user),
            "trained_at": iso_utc(parse_when(trained_at)) if trained_at else iso_utc(),
            "params": jsonable(dict(params or {})),
            "code_version": code_version,
            "notes": notes,
        }
        return self.append(ev.TRAINING_RECORDED, payload, [model_id, *dataset_ids])

    def record_audit(
        self, spec: dict, result_json: str, result_sha256: str, model_sha256: str | None, dataset_sha256s: list[str]
    ) -> str:
        """Record an audit run and store its full result; returns the run id (`run-<12 hex>`).

        `result_sha256` must be the SHA-256 of `result_json` encoded as UTF-8; the event carries it, so the stored
        result is bound by the chain and `verify` checks it.
        """
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
        payload = validate_payload(ev.AUDIT_RUN, payload)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_results(run_id, sha256, result_json) VALUES (?, ?, ?)", (run_id, result_sha256, result_json)
            )
            self.insert(conn, ev.AUDIT_RUN, payload, refs)
        return run_id

    def get_result_json(self, run_id: str) -> str:
        """The stored result JSON of a run, checked against the hash its (chained) audit event recorded."""
        run = self.run_event(run_id)
        with self.reading() as conn:
            row = conn.execute("SELECT result_json FROM audit_results WHERE run_id = ?", (run_id,)).fetchone()
        if row is None or sha256_bytes(row[0].encode("utf-8")) != run.payload["result_sha256"]:
            raise WorkspaceError(
                f"The stored result of {run_id} is missing or was changed after it was recorded.",
                "Run `attest trail verify` to see what else was altered; restore the workspace from a backup.",
            )
        return row[0]

    def record_report(self, run_id: str, pdf_path: str | Path, pdf_sha256: str, manifest_sha256: str | None = None) -> Event:
        """Record an exported report file (path, SHA-256, size) against its audit run."""
        run = self.run_event(run_id)
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
        return self.append(ev.REPORT_EXPORTED, payload, list(run.refs))

    def signoff(
        self,
        run_id: str,
        decision: str,
        conditions: str | None = None,
        comment: str | None = None,
        *,
        key: SigningKey | None = None,
        reviewer: str | None = None,
        role: str | None = None,
    ) -> Event:
        """Record this account's decision on an audit run: approve, approve_with_conditions (needs conditions) or
        reject. The reviewer is the workspace identity (`set_identity`), never free text; `reviewer`/`role`, if
        given, must be that identity. `key`: sign the decision (see `audit.trail.signoffs`); an Attest key is
        registered for this identity on first use."""
        dec = decision.strip().lower().replace("-", "_").replace(" ", "_")
        if dec not in ev.DECISIONS:
            raise WorkspaceError(f"'{decision}' is not a sign-off decision.", "Use approve, approve_with_conditions or reject.")
        if dec == "approve_with_conditions" and not (conditions or "").strip():
            raise WorkspaceError(
                "An approval with conditions must state the conditions.",
                'Add the conditions, e.g. --conditions "re-audit after retraining in Q3".',
            )
        run = self.run_event(run_id)
        me = self.whoami()
        if not me.name or not me.role:
            raise WorkspaceError(
                f"A sign-off is recorded under your workspace identity, and {me.user}@{me.host} "
                "has no display name and role in this workspace yet.",
                'Set them once: attest trail whoami --set-name "Dana Kim" --set-role "Compliance officer".',
            )
        for given, own, what in ((reviewer, me.name, "reviewer"), (role, me.role, "role")):
            if (given or "").strip() and given.strip() != own:
                raise WorkspaceError(
                    f"The sign-off {what} '{given.strip()}' is not your workspace identity "
                    f"('{own}'): a decision can only be recorded in your own name.",
                    "Sign off as yourself, or change your identity with `attest trail whoami "
                    "--set-name/--set-role` (that change is itself recorded).",
                )
        if key is not None and key.source == "attest-key" and self.registered_key() != key.fingerprint:
            self.set_identity(me.name, me.role, key=key)
        payload = {
            "run_id": run_id,
            "reviewer": me.name,
            "role": me.role,
            "decision": dec,
            "conditions": conditions,
            "comment": comment,
        }
        payload = validate_payload(ev.SIGNOFF, payload)
        time = iso_utc()
        if key is not None:
            signed = signoffs.statement(
                workspace_id=self.info().get("workspace_id", ""),
                run_id=run_id,
                result_sha256=run.payload["result_sha256"],
                decision=dec,
                conditions=payload["conditions"],
                comment=payload["comment"],
                reviewer=self.whoami(),
                time=time,
            )
            payload["signature"] = signoffs.signature_block(key, signed)
        return self.append(ev.SIGNOFF, payload, list(run.refs), time=time)

    def add_note(self, text: str, refs: Iterable[str] = ()) -> Event:
        return self.append(ev.NOTE, {"text": text}, list(refs))

    # ------------------------------------------------------------------ reading the trail
    def audit_runs(self) -> list[AuditRunRecord]:
        """Every recorded audit run with its reports and sign-offs."""
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT prev_hash, body, hash FROM events WHERE kind IN (?, ?, ?) ORDER BY seq",
                (ev.AUDIT_RUN, ev.REPORT_EXPORTED, ev.SIGNOFF),
            ).fetchall()
        return _audit_records([Event.from_row(*r) for r in rows])

    def open_signoffs(self) -> list[AuditRunRecord]:
        """Audit runs nobody has signed off yet, oldest first."""
        return [r for r in self.audit_runs() if not r.signoffs]

    def run_event(self, run_id: str) -> Event:
        """The `audit_run` event of `run_id`."""
        with self.reading() as conn:
            for row in conn.execute("SELECT prev_hash, body, hash FROM events WHERE kind = ? ORDER BY seq", (ev.AUDIT_RUN,)):
                e = Event.from_row(*row)
                if e.payload["run_id"] == run_id:
                    return e
        raise WorkspaceError(
            f"There is no audit run '{run_id}' in {self.path.name}.",
            "Use a run id from `attest trail log --kind audit_run` or `attest signoff --pending`.",
        )

    def events(
        self,
        actor: str | None = None,
        artifact: str | None = None,
        since: str | datetime | None = None,
        kind: str | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Events, oldest first. `actor`: the OS user, or part of the display name (any case). `artifact`: an artifact
        or run id, SHA-256 or registered path. `since`: an ISO date/time (naive = local time). `limit`: the newest N."""
        where, args = [], []
        if actor:
            where.append("(actor_user = ? COLLATE NOCASE OR instr(lower(actor_name), lower(?)) > 0)")
            args += [actor.strip(), actor.strip()]
        if artifact:
            ref = artifact if str(artifact).startswith(("run-", "mit-")) else registry.ref_id(self, artifact)
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
        with self.reading() as conn:
            return [Event.from_row(*row) for row in conn.execute(sql, args)]

    def signoff_checks(self) -> list[signoffs.SignoffCheck]:
        """Every sign-off with the state of its signature: valid, unsigned or invalid (and why)."""
        runs = {e.payload["run_id"]: e for e in self.events(kind=ev.AUDIT_RUN)}
        return signoffs.check_all(
            self.events(kind=ev.SIGNOFF), runs, self.info().get("workspace_id", ""), self.events(kind=ev.IDENTITY_SET)
        )

    def verify(
        self, anchors: Iterable[str] = (), *, progress: Progress | None = None, cancel: CancelToken | None = None
    ) -> VerifyReport:
        """Re-check every hash, the chain head, the stored results and every sign-off's signature (see
        `audit.trail.chain`). `anchors`: hashes printed elsewhere earlier (e.g. a report's head hash) that must
        still be in the trail."""
        report = self.verify_chain(anchors, progress=progress, cancel=cancel)
        if not report.ok:
            return report
        checks = self.signoff_checks()
        bad = next((c for c in checks if c.status == "invalid"), None)
        signed = sum(c.status == "valid" for c in checks)
        if bad is not None:
            return VerifyReport(
                ok=False,
                events=report.events,
                head_seq=report.head_seq,
                head_hash=report.head_hash,
                problem=Problem("signature", bad.event.seq, bad.event.id, bad.message),
                seconds=report.seconds,
                signatures=signed,
            )
        return VerifyReport(
            ok=True,
            events=report.events,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            problem=None,
            seconds=report.seconds,
            signatures=signed,
        )

    def lineage(self, artifact: str) -> ModelLineage | DatasetLineage:
        """For a model: training data, trainers, audits, reports, sign-offs. For a dataset: models and audits."""
        return _lineage(self, artifact)


def _audit_records(events: list[Event]) -> list[AuditRunRecord]:
    runs: dict[str, Event] = {}
    reports: dict[str, list[Event]] = {}
    signed: dict[str, list[Event]] = {}
    for e in events:
        run_id = e.payload.get("run_id")
        if e.kind == ev.AUDIT_RUN:
            runs[run_id] = e
        elif e.kind == ev.REPORT_EXPORTED:
            reports.setdefault(run_id, []).append(e)
        elif e.kind == ev.SIGNOFF:
            signed.setdefault(run_id, []).append(e)
    return [
        AuditRunRecord(
            run_id=r,
            event=e,
            model=e.payload.get("model"),
            datasets=tuple(e.payload["datasets"]),
            result_sha256=e.payload["result_sha256"],
            reports=tuple(reports.get(r, ())),
            signoffs=tuple(signed.get(r, ())),
        )
        for r, e in runs.items()
    ]
