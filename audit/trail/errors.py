"""Errors of the workspace and its trail. Every message says what was wrong; every hint says how to fix it."""

from __future__ import annotations

from audit.errors import InputError


class WorkspaceError(InputError):
    """A workspace file cannot be opened or written, or a trail operation was given something it cannot record."""
