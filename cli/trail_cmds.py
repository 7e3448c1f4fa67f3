"""`attest register ...`, `attest trail ...` and `attest signoff`: the workspace from the command line.

Every command takes `--workspace PATH` (default: the default workspace, see `audit.trail.default_workspace_path`).
Imports of `audit.trail` happen inside handlers so `attest --help` stays fast.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

_WS_HELP = "workspace file (*.attest); default: default.attest in your data folder ($ATTEST_HOME overrides)"

if TYPE_CHECKING:
    from audit.trail import Workspace
    from audit.trail.keys import SigningKey


def add_parsers(subparsers: Any) -> None:
    """Add `register`, `trail` and `signoff` to the `attest` sub-command parser."""
    reg = subparsers.add_parser("register", help="register a dataset, model or training run in the workspace")
    reg_sub = reg.add_subparsers(dest="register_what", metavar="WHAT", required=True)
    for what in ("dataset", "model"):
        p = reg_sub.add_parser(
            what,
            help=f"record a {what} file's path, size and SHA-256 (the file stays where it is"
            + (", and is never loaded)" if what == "model" else ")"),
        )
        p.add_argument("path", help=f"the {what} file")
        p.add_argument("--name", help="a human name, e.g. 'credit applications 2024'")
        p.add_argument("--version", dest="artifact_version", help="your version label, e.g. 2.1")
        p.add_argument("--description")
        _ws(p)
        p.set_defaults(func=_register_file, what=what)
    p = reg_sub.add_parser("training", help="record who trained which model on which data, with which parameters")
    p.add_argument("--model", required=True, help="model file or id (model-...); registered if needed")
    p.add_argument(
        "--dataset", action="append", required=True, dest="datasets", help="training data file or id (ds-...); repeat for several"
    )
    p.add_argument("--trainer", help="who trained it (default: your display name or account)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training parameter; VALUE is read as JSON when it can be (repeatable)",
    )
    p.add_argument("--params", dest="params_file", metavar="FILE.json", help="parameters from a JSON object file")
    p.add_argument("--code-version", help="e.g. a git commit")
    p.add_argument("--trained-at", help="when it was trained (ISO 8601; default: now)")
    p.add_argument("--notes")
    _ws(p)
    p.set_defaults(func=_register_training)

    trail = subparsers.add_parser("trail", help="read, verify and export the audit trail")
    trail_sub = trail.add_subparsers(dest="trail_what", metavar="WHAT", required=True)
    p = trail_sub.add_parser("log", help="list events, oldest first")
    p.add_argument("--actor", help="OS account or display name")
    p.add_argument("--artifact", help="artifact id (ds-/model-), run id, SHA-256 or registered file path")
    p.add_argument("--since", help="ISO date or time, e.g. 2024-05-01 (local time unless it ends in Z)")
    p.add_argument("--kind", help="event kind, e.g. training_recorded, audit_run, signoff")
    p.add_argument("--limit", type=int, help="only the newest N events")
    p.add_argument("--json", action="store_true", help="one JSON object per line, with hashes")
    _ws(p)
    p.set_defaults(func=_log)
    p = trail_sub.add_parser("verify", help="re-check every hash; exit 0 when intact, 1 when not")
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="HASH",
        help="a head hash printed earlier (e.g. in a report) that must still be in the trail",
    )
    _ws(p)
    p.set_defaults(func=_verify)
    p = trail_sub.add_parser("export", help="write the trail as CSV or JSON (JSON can be re-verified elsewhere)")
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace the --output file if it exists")
    _ws(p)
    p.set_defaults(func=_export)
    p = trail_sub.add_parser(
        "whoami", help="show or set the display name and role recorded on your events, and create your sign-off key"
    )
    p.add_argument("--set-name")
    p.add_argument("--set-role")
    p.add_argument(
        "--create-key",
        action="store_true",
        help="create your Attest sign-off key (Ed25519, kept encrypted in your data folder) and register "
        "it for your identity in this workspace",
    )
    p.add_argument("--key-password-env", metavar="VAR", help="environment variable holding the key's passphrase")
    _ws(p)
    p.set_defaults(func=_whoami)
    p = trail_sub.add_parser("files", help="check registered files: ok, changed or missing (exit 1 if any is not ok)")
    _ws(p)
    p.set_defaults(func=_files)
    p = trail_sub.add_parser("lineage", help="a model's data, trainer, audits, reports and sign-offs (or a dataset's)")
    p.add_argument("artifact", help="artifact id, SHA-256 or registered file path")
    _ws(p)
    p.set_defaults(func=_lineage)
    p = trail_sub.add_parser("note", help="append a free-text note")
    p.add_argument("text")
    p.add_argument("--ref", action="append", default=[], help="artifact or run id the note is about (repeatable)")
    _ws(p)
    p.set_defaults(func=_note)

    p = subparsers.add_parser(
        "signoff",
        help="approve or reject an audit run (or list runs awaiting sign-off)",
        description="Record your decision on an audit run under your workspace identity "
        "(set it with `attest trail whoami --set-name --set-role`), signed with "
        "your key when you give one.",
    )
    p.add_argument("run_id", nargs="?", help="the audit run (run-...)")
    p.add_argument("--decision", choices=("approve", "approve_with_conditions", "approve-with-conditions", "reject"))
    p.add_argument("--conditions", help="required with approve_with_conditions")
    p.add_argument("--reviewer", "--role", dest="free_text_reviewer", help=argparse.SUPPRESS)  # gone: see _signoff
    key = p.add_mutually_exclusive_group()
    key.add_argument("--sign", metavar="P12", help="sign the decision with this PKCS#12 certificate (as for reports)")
    key.add_argument(
        "--sign-with-key",
        action="store_true",
        help="sign the decision with your Attest sign-off key (see `attest trail whoami --create-key`)",
    )
    p.add_argument(
        "--sign-password-env",
        "--key-password-env",
        dest="key_password_env",
        metavar="VAR",
        help="environment variable holding the certificate's password or the key's passphrase",
    )
    p.add_argument("--comment")
    p.add_argument("--pending", action="store_true", help="list audit runs nobody has signed off yet")
    _ws(p)
    p.set_defaults(func=_signoff)


def _ws(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace", metavar="PATH", help=_WS_HELP)


def _handler(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Deliberate errors become `error: ...` / `How to fix: ...` on stderr and exit code 2."""

    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        from audit.errors import AttestError

        try:
            return fn(args)
        except AttestError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            if exc.hint:
                print(f"  How to fix: {exc.hint}", file=sys.stderr)
            return 2

    return run


def _open(args: argparse.Namespace, readonly: bool = False) -> Workspace:
    from audit.trail import Workspace

    return Workspace.open(args.workspace, readonly=readonly, create=not readonly)


@_handler
def _register_file(args: argparse.Namespace) -> int:
    with _open(args) as ws:
        register = ws.register_dataset if args.what == "dataset" else ws.register_model
        r = register(args.path, name=args.name, version=args.artifact_version, description=args.description)
    print(r.message)
    print(r.artifact.id)
    return 0


@_handler
def _register_training(args: argparse.Namespace) -> int:
    from audit.trail.params import params_from_file, params_from_items

    params: dict[str, Any] = params_from_file(args.params_file) if args.params_file else {}
    params.update(params_from_items(args.param, "Write parameters like --param max_depth=6."))
    with _open(args) as ws:
        e = ws.record_training(
            args.model,
            args.datasets,
            trainer=args.trainer,
            params=params,
            code_version=args.code_version,
            trained_at=args.trained_at,
            notes=args.notes,
        )
    print(f"Recorded training as event #{e.seq}: {e.summary()}")
    return 0


@_handler
def _log(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as ws:
        events = ws.events(actor=args.actor, artifact=args.artifact, since=args.since, kind=args.kind, limit=args.limit)
    for e in events:
        if args.json:
            print(json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True))
        else:
            print(f"#{e.seq:<5} {e.time[:19].replace('T', ' ')}Z  {e.kind:<19} {e.actor.label()}\n       {e.summary()}")
    if not events and not args.json:
        print("No events match." if any((args.actor, args.artifact, args.since, args.kind)) else "The trail is empty.")
    return 0


@_handler
def _verify(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as ws:
        report = ws.verify(anchors=args.anchor)
    if report.ok:
        print(report.summary())
        return 0
    print(report.summary(), file=sys.stderr)
    print(
        f"  {report.events:,} events before it are intact. Restore the workspace from a backup and compare; "
        "the first broken event is named above.",
        file=sys.stderr,
    )
    return 1


@_handler
def _export(args: argparse.Namespace) -> int:
    from audit.trail import export_trail

    with _open(args, readonly=True) as ws:
        if not args.output:
            try:
                export_trail(ws, sys.stdout, args.format)
                sys.stdout.flush()
            except BrokenPipeError:  # `attest trail export ... | head`: the reader stopped, not an error
                import os

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        else:
            from audit.outputs import atomic_text, check_outputs

            out = check_outputs({"--output": args.output}, {"the workspace (--workspace)": ws.path}, force=args.force)["--output"]
            with atomic_text(out) as fh:  # complete or absent: never half an export
                n = export_trail(ws, fh, args.format)
            print(f"Exported {n:,} events to {args.output} ({args.format}).", file=sys.stderr)
    return 0


@_handler
def _whoami(args: argparse.Namespace) -> int:
    from audit.trail import WorkspaceError
    from audit.trail.keys import create_personal_key, fingerprint_label, passphrase_from_env, personal_key_path

    if args.create_key and not args.key_password_env:
        raise WorkspaceError(
            "A sign-off key is kept encrypted with a passphrase, and none was given.",
            "Put the passphrase in an environment variable and name it: --key-password-env VAR.",
        )
    with _open(args) as ws:
        if args.set_name or args.set_role:
            me = ws.whoami()
            name = args.set_name or me.name
            if not name:
                raise WorkspaceError(
                    "A display name is needed before a role can be set.", 'Pass both: --set-name "Dana Kim" --set-role "ML lead".'
                )
            e = ws.set_identity(name, args.set_role if args.set_role is not None else me.role)
            print(f"Recorded as event #{e.seq}.")
        if args.create_key:
            me = ws.whoami()
            if not me.name:
                raise WorkspaceError(
                    "A sign-off key belongs to a named person, and you have no display name here.",
                    'Add --set-name "Dana Kim" --set-role "Compliance officer".',
                )
            passphrase = passphrase_from_env(args.key_password_env, "sign-off key")
            assert passphrase is not None  # --create-key without --key-password-env was refused above
            key = create_personal_key(passphrase, me.name)
            e = ws.set_identity(me.name, me.role, key=key)
            print(
                f"Created your sign-off key at {personal_key_path()} (keep a backup; the passphrase cannot be "
                f"recovered).\nRegistered it for your identity as event #{e.seq}."
            )
        me = ws.whoami()
        fp = ws.registered_key()
        print(
            f"account: {me.user}@{me.host}\nname:    {me.name or '(not set)'}\nrole:    {me.role or '(not set)'}"
            f"\nkey:     {fingerprint_label(fp) if fp else '(none registered)'}\nworkspace: {ws.path}"
        )
        if not me.name:
            print("Set them once per workspace: attest trail whoami --set-name NAME --set-role ROLE")
    return 0


@_handler
def _files(args: argparse.Namespace) -> int:
    with _open(args, readonly=True) as ws:
        checks = ws.check_files()
        reports = ws.check_reports()
    for c in checks:
        print(c.message())
    if not checks:
        print("No files are registered.")
    for e, status in reports:  # a report that moved is common (it was sent on); one that changed is not
        where = f"report of {e.payload['run_id']} (event #{e.seq})"
        if status == "ok":
            print(f"{where}: ok ({e.payload['path']})")
        elif status == "changed":
            print(
                f"{where}: CHANGED - {e.payload['path']} is not the PDF that was exported; check it with "
                f"`attest verify-report {e.payload['path']} --workspace ...`"
            )
        else:
            print(f"{where}: not at {e.payload['path']} any more (moved or sent on; verify a copy with `attest verify-report`)")
    return 0 if all(c.status == "ok" for c in checks) and all(s != "changed" for _, s in reports) else 1


@_handler
def _lineage(args: argparse.Namespace) -> int:
    from audit.trail.lineage import describe

    with _open(args, readonly=True) as ws:
        print(describe(ws.lineage(args.artifact)))
    return 0


@_handler
def _note(args: argparse.Namespace) -> int:
    with _open(args) as ws:
        e = ws.add_note(args.text, args.ref)
    print(f"Recorded note as event #{e.seq}.")
    return 0


@_handler
def _signoff(args: argparse.Namespace) -> int:
    from audit.trail import WorkspaceError

    if args.pending or not args.run_id:
        with _open(args, readonly=True) as ws:
            runs = ws.open_signoffs()
        for r in runs:
            print(
                f"{r.run_id}  {r.event.time[:19].replace('T', ' ')}Z  {r.model or '(predictions only)'} on "
                f"{', '.join(r.datasets) or '-'}  by {r.event.actor.label()}"
            )
        if not runs:
            print("No audit runs are waiting for sign-off.")
        return 0
    if args.free_text_reviewer is not None:
        raise WorkspaceError(
            "--reviewer and --role are no longer accepted: a sign-off is recorded under your "
            "workspace identity, never under a name typed in.",
            "Set your name and role once with `attest trail whoami --set-name NAME --set-role "
            "ROLE`, then sign off without --reviewer/--role.",
        )
    if not args.decision:
        raise WorkspaceError(
            "A sign-off needs a decision.",
            'Add --decision approve, --decision approve_with_conditions --conditions "...", or --decision reject.',
        )
    key = _signoff_key(args)
    with _open(args) as ws:
        e = ws.signoff(args.run_id, args.decision, args.conditions, args.comment, key=key)
    print(f"Recorded sign-off as event #{e.seq}: {e.summary()}")
    if key is not None:
        from audit.trail.keys import fingerprint_label

        print(f"  signed by {key.signer}, key fingerprint {fingerprint_label(key.fingerprint)}")
    else:
        print(f"  not signed: recorded by OS account {e.actor.user}@{e.actor.host} (sign with --sign P12 or --sign-with-key)")
    return 0


def _signoff_key(args: argparse.Namespace) -> SigningKey | None:
    """The key the sign-off is signed with, opened (and checked) before anything is recorded."""
    from audit.trail.keys import load_personal_key, load_pkcs12, passphrase_from_env

    if args.sign:
        return load_pkcs12(args.sign, passphrase_from_env(args.key_password_env, "certificate"))
    if args.sign_with_key:
        passphrase = passphrase_from_env(args.key_password_env, "sign-off key")
        if passphrase is None:
            from audit.trail import WorkspaceError

            raise WorkspaceError(
                "Your sign-off key is encrypted, and no passphrase was given.",
                "Put it in an environment variable and name it: --key-password-env VAR.",
            )
        return load_personal_key(passphrase)
    return None
