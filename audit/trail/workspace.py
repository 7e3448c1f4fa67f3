"""The workspace: one SQLite file (`*.attest`) holding an append-only, hash-chained trail of events.

Layers, each in its own module: `storage` (opening a file, read-only access, SQLite errors as messages), `ledger` (the
connection and the append/chain core), `registry` (datasets and models by content), `people` (who records: display
names, roles, registered keys), `runs` (training, audit runs, reports, sign-offs), `queries` and `lineage` (reading),
`signoffs` (signed decisions). `Workspace` is the one public object over them: what training code, the CLI and the app
record and read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.cancel import CancelToken, Progress
from audit.trail import events as ev
from audit.trail import people, queries, registry, runs, signoffs
from audit.trail.chain import Problem, VerifyReport
from audit.trail.events import Event
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

    # ------------------------------------------------------------------ people (`people`)
    def set_identity(self, name: str, role: str, *, key: SigningKey | None = None) -> Event:
        """Set the display name and role recorded on this account's events from now on (itself an event).

        `key`: an Attest sign-off key to register for this account; otherwise the one registered before is kept."""
        return people.set_identity(self, name, role, key=key)

    def registered_key(self) -> str | None:
        """The fingerprint of the Attest sign-off key this account's identity names in this workspace, if any."""
        return people.registered_key(self)

    # ------------------------------------------------------------------ artifacts (`registry`)
    def register_dataset(
        self, path: str | Path, *, name: str | None = None, version: str | None = None, description: str | None = None
    ) -> Registration:
        """Records path, size, SHA-256 and a guessed format. The file is hashed, never loaded."""
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
        return queries.check_reports(self)

    # ------------------------------------------------------------------ training, audits, reports, sign-off (`runs`)
    def record_training(
        self,
        model: str | Path,
        datasets: Sequence[str | Path] | str | Path,
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
        return runs.record_training(
            self, model, datasets, trainer=trainer, params=params, code_version=code_version, trained_at=trained_at, notes=notes
        )

    def record_audit(
        self,
        spec: Mapping[str, Any],
        result_json: str,
        result_sha256: str,
        model_sha256: str | None,
        dataset_sha256s: Sequence[str],
    ) -> str:
        """Record an audit run and store its full result; returns the run id (`run-<12 hex>`).

        `result_sha256` must be the SHA-256 of `result_json` encoded as UTF-8; the event carries it, so the stored
        result is bound by the chain and `verify` checks it.
        """
        return runs.record_audit(self, spec, result_json, result_sha256, model_sha256, dataset_sha256s)

    def get_result_json(self, run_id: str) -> str:
        """The stored result JSON of a run, checked against the hash its (chained) audit event recorded."""
        return runs.result_json(self, run_id)

    def record_report(self, run_id: str, pdf_path: str | Path, pdf_sha256: str, manifest_sha256: str | None = None) -> Event:
        """Record an exported report file (path, SHA-256, size) against its audit run."""
        return runs.record_report(self, run_id, pdf_path, pdf_sha256, manifest_sha256)

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
        return runs.signoff(self, run_id, decision, conditions, comment, key=key, reviewer=reviewer, role=role)

    def add_note(self, text: str, refs: Iterable[str] = ()) -> Event:
        """A free-text note, about the artifacts or runs in `refs` if given."""
        return self.append(ev.NOTE, {"text": text}, list(refs))

    # ------------------------------------------------------------------ reading the trail (`queries`, `lineage`)
    def audit_runs(self) -> list[AuditRunRecord]:
        """Every recorded audit run with its reports and sign-offs."""
        return queries.audit_runs(self)

    def open_signoffs(self) -> list[AuditRunRecord]:
        """Audit runs nobody has signed off yet, oldest first."""
        return [r for r in self.audit_runs() if not r.signoffs]

    def run_event(self, run_id: str) -> Event:
        """The `audit_run` event of `run_id`."""
        return queries.run_event(self, run_id)

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
        return queries.events(self, actor, artifact, since, kind, limit)

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
