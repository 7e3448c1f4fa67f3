"""Plain job functions (no Qt) for the workspace actions of the app: identity, registering datasets and models,
training runs, notes, trail export and signed sign-offs. Each does what the matching `attest` command does
(`cli/trail_cmds.py`), through the same `audit.trail` calls, so the app and the CLI record the same events.

Each job takes ``progress`` and ``cancel`` (the `gui.worker.Runner` shape), opens the workspace itself and closes it
when done: no connection is shared between threads. Passwords arrive as text and are encoded here, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The demo's people (`audit.demo.record_training_history`): only ever the identity inside the demo workspace.
# Copied rather than imported because `audit.demo` imports pandas, which the GUI thread must not;
# tests/gui/test_workspace_actions.py checks the copy against what the demo records.
DEMO_PERSONAS = {"Priya Raman": "ML lead", "Jordan Blake": "Model risk auditor"}
DEMO_WORKSPACE_NAME = "demo.attest"


@dataclass(frozen=True)
class OsPerson:
    """Who the operating system says is at the keyboard: the first-run identity dialog is prefilled from it."""

    user: str
    host: str
    full_name: str  # from the account's GECOS field where there is one, else ""


def os_person() -> OsPerson:
    from audit.trail.identity import os_account

    user, host = os_account()
    full = ""
    try:
        import pwd  # POSIX only; Windows has no full name without a network directory, so the user name is offered

        full = pwd.getpwnam(user).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError, OSError):
        pass
    return OsPerson(user=user, host=host, full_name=full)


def is_demo_workspace(path: str | Path, identity_name: str) -> bool:
    """The demo workspace (the app's or `attest demo`'s): its file name and an identity that is a demo persona."""
    return Path(path).name == DEMO_WORKSPACE_NAME and identity_name in DEMO_PERSONAS


def _open(path: str):
    from audit.trail import Workspace

    return Workspace.open(path, create=False)


@dataclass(frozen=True)
class IdentityOutcome:
    events: list[Any]  # the identity_set event(s) recorded
    key_path: str | None  # where a new sign-off key was created


def set_identity(path: str, name: str, role: str, key_passphrase: str | None = None, *, progress, cancel) -> IdentityOutcome:
    """`attest trail whoami --set-name NAME --set-role ROLE [--create-key]`: the display name and role recorded on
    this account's events in this workspace, and optionally a new Attest sign-off key registered for it."""
    from audit.trail import WorkspaceError
    from audit.trail.keys import create_personal_key, personal_key_path

    name, role = name.strip(), role.strip()
    if not name:
        raise WorkspaceError("A display name is needed.", "Enter your name as it should appear on sign-offs.")
    progress("identity", 0, 1, "Recording your identity")
    with _open(path) as ws:
        if ws.readonly:  # fails here, before a key is made for it
            raise WorkspaceError(
                f"{ws.path} can only be read, so your identity cannot be recorded in it.",
                "Copy the workspace to a folder you may write to and open the copy.",
            )
        # The key is made before anything is recorded, so a refused passphrase or an existing key file records
        # nothing. Then the same two events as `whoami --set-name --set-role --create-key`: the identity, and the
        # identity again naming the new key.
        key = create_personal_key(key_passphrase.encode("utf-8"), name) if key_passphrase is not None else None
        events = [ws.set_identity(name, role)]
        if key is not None:
            events.append(ws.set_identity(name, role, key=key))
    return IdentityOutcome(events=events, key_path=str(personal_key_path()) if key is not None else None)


def register_file(path: str, kind: str, file: str, name: str = "", version: str = "", description: str = "", *, progress, cancel):
    """`attest register dataset|model FILE --name --version --description`; returns the `Registration`."""
    progress("register", 0, 1, f"Hashing {Path(file).name}")
    with _open(path) as ws:
        register = ws.register_dataset if kind == "dataset" else ws.register_model
        return register(file, name=name or None, version=version or None, description=description or None)


def record_training(
    path: str,
    model: str,
    datasets: Sequence[str],
    trainer: str = "",
    params_text: str = "",
    code_version: str = "",
    trained_at: str = "",
    notes: str = "",
    *,
    param_pairs: Sequence[tuple[str, str]] = (),
    progress,
    cancel,
):
    """`attest register training --model --dataset ... --trainer --param/--params --code-version --trained-at
    --notes`; returns the training event. Parameters: `params_text` (a JSON object or KEY=VALUE lines) and then
    `param_pairs` (KEY, VALUE text), e.g. the dialog's table rows; both read by `audit.trail.params`, as the CLI's."""
    from audit.trail.params import params_from_pairs, params_from_text

    # Parsed before the workspace is opened: a typing error records nothing.
    params = {**params_from_text(params_text), **params_from_pairs(param_pairs)}
    progress("training", 0, 1, "Recording the training run")
    with _open(path) as ws:
        return ws.record_training(
            model,
            list(datasets),
            trainer=trainer or None,
            params=params,
            code_version=code_version or None,
            trained_at=trained_at or None,
            notes=notes or None,
        )


def add_note(path: str, text: str, refs: Sequence[str] = (), *, progress, cancel):
    """`attest trail note TEXT --ref ...`; returns the note event."""
    from audit.trail import WorkspaceError

    if not text.strip():
        raise WorkspaceError("The note is empty.", "Write what the note should record.")
    with _open(path) as ws:
        return ws.add_note(text, list(refs))


def export_trail(path: str, fmt: str, out: str, force: bool = False, *, progress, cancel) -> int:
    """`attest trail export --format csv|json --output OUT [--force]`: the same checks (never the workspace itself, an
    existing file only with `force`), written to a temporary file and renamed, so the file is complete or absent."""
    from audit.outputs import atomic_text, check_outputs
    from audit.trail import Workspace
    from audit.trail import export_trail as write

    progress("export", 0, 1, f"Writing {Path(out).name}")
    with Workspace.open(path, create=False, readonly=True) as ws:
        target = check_outputs({"The export file": out}, {"the workspace": ws.path}, force=force)["The export file"]
        with atomic_text(target) as fh:
            return write(ws, fh, fmt)


def existing_key() -> str | None:
    """The path of this user's Attest sign-off key, when one exists."""
    from audit.trail.keys import personal_key_path

    p = personal_key_path()
    return str(p) if p.is_file() else None


def signoff(
    path: str,
    run_id: str,
    decision: str,
    conditions: str = "",
    comment: str = "",
    sign_with: str = "",
    certificate: str = "",
    password: str = "",
    *,
    progress,
    cancel,
):
    """`attest signoff RUN --decision --conditions --comment [--sign P12 | --sign-with-key]`. The reviewer is the
    workspace identity. `sign_with`: "" (not signed), "attest-key" or "pkcs12". The key is opened (and checked)
    before anything is recorded, as in the CLI's `_signoff_key`."""
    from audit.trail import WorkspaceError
    from audit.trail.keys import load_personal_key, load_pkcs12

    key = None
    if sign_with == "pkcs12":
        if not certificate:
            raise WorkspaceError("No certificate file was chosen.", "Choose your .p12/.pfx file, or sign without it.")
        key = load_pkcs12(certificate, password.encode("utf-8") if password else None)
    elif sign_with == "attest-key":
        if not password:
            raise WorkspaceError(
                "Your sign-off key is encrypted, and no passphrase was given.",
                "Enter the passphrase you chose when the key was created.",
            )
        key = load_personal_key(password.encode("utf-8"))
    elif sign_with:
        raise WorkspaceError(f"'{sign_with}' is not a way to sign.", "Choose your Attest key or a certificate.")
    progress("signoff", 0, 1, f"Recording the sign-off of {run_id}")
    with _open(path) as ws:
        return ws.signoff(run_id, decision, conditions or None, comment or None, key=key)
