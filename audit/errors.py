"""Every error Attest raises on purpose. The CLI maps them to exit codes, the GUI to dialogs.

An `AttestError` carries a message (what was wrong) and a hint (how to fix it); both are written for the user.
"""

from __future__ import annotations


class AttestError(Exception):
    """Base of every deliberate Attest error."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  How to fix: {self.hint}" if self.hint else self.message


class InputError(AttestError):
    """The user's files, columns or options cannot be used as given (CLI exit code 2)."""


class DatasetError(InputError):
    """A dataset file cannot be read or does not fit the audit."""


class ModelError(InputError):
    """A model file cannot be loaded, or the model cannot be used for this audit."""


class TrustRequired(ModelError):
    """Loading this model would run code or use types the user has not trusted."""

    def __init__(self, message: str, hint: str = "", *, sha256: str = "", untrusted: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.sha256 = sha256
        self.untrusted = untrusted


class UnsupportedModel(ModelError):
    """A model kind Attest does not audit yet (multiclass, regression, ...)."""


class PolicyError(InputError):
    """A policy name or file is not valid."""


class ExplanationError(AttestError):
    """Explanations could not be computed; the rest of the audit stands."""


class Cancelled(Exception):
    """The user cancelled a long job. Not an error: the GUI ignores it, the CLI exits quietly."""
