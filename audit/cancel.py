"""Cancel token and progress callback type shared by every long job."""

from __future__ import annotations

import threading
from typing import Protocol

from audit.errors import Cancelled


class Progress(Protocol):
    def __call__(self, step: str, done: int, total: int, message: str) -> None: ...


def no_progress(step: str, done: int, total: int, message: str) -> None:
    """Progress sink for callers that do not show progress."""


class CancelToken:
    """Set from any thread; long jobs call `raise_if_set()` between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def raise_if_set(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")
