"""A terminal progress line on stderr; plain lines when stderr is not a terminal (CI logs)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream, self.quiet = stream or sys.stderr, quiet
        self.tty = self.stream.isatty()
        self.t0 = time.perf_counter()
        self._last_step = ""

    def __call__(self, step: str, done: int, total: int, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.t0
        frac = done / total if total else 0.0
        bar = "#" * int(frac * 24)
        line = f"[{bar:<24}] {frac:4.0%} {elapsed:6.1f}s  {step}: {message}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if done >= total and step == "done":
                self.stream.write("\n")
        elif step != self._last_step:
            self.stream.write(line + "\n")
        self._last_step = step
        self.stream.flush()

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
