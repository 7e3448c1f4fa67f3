"""Nothing committed is lost: SIGKILL during appends, and two processes appending at once.

The writers are forked processes (each opens its own SQLite connection after the fork): the same isolation as a new
interpreter, without paying the package import time on every start.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from audit.trail import Workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"), reason="needs fork and POSIX signals")


def _writer(path: str, tag: str, count: int, fd: int) -> None:
    """Append notes "<tag> <i>"; after each append returned (= committed), write "<seq> <tag> <i>" to the pipe."""
    with Workspace.open(path) as ws:
        for i in range(count):
            e = ws.add_note(f"{tag} {i}")
            os.write(fd, f"{e.seq} {tag} {i}\n".encode())  # one small write: atomic on a pipe


class Writer:
    def __init__(self, path: Path, tag: str, count: int) -> None:
        r, w = os.pipe()
        ctx = multiprocessing.get_context("fork")
        self.proc = ctx.Process(target=_writer, args=(str(path), tag, count, w), daemon=True)
        self.proc.start()
        os.close(w)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._drain, args=(r,), daemon=True)
        self._reader.start()

    def _drain(self, r: int) -> None:  # keep the pipe empty so the writer never blocks on it
        buf = b""
        with os.fdopen(r, "rb") as fh:
            while chunk := fh.read1(65536):
                buf += chunk
                *done, buf = buf.split(b"\n")
                self.lines += [d.decode() for d in done]  # a line cut by the kill was never acknowledged

    def join(self, timeout: float = 60) -> None:
        self.proc.join(timeout)
        self._reader.join(timeout)

    def acked(self) -> dict[int, str]:
        out = {}
        for line in self.lines:
            seq, tag, i = line.split()
            out[int(seq)] = f"{tag} {i}"
        return out


def test_sigkill_while_appending_loses_no_acknowledged_event(ws_path: Path) -> None:
    Workspace.open(ws_path).close()
    rng = random.Random(20240501)
    acked: dict[int, str] = {}
    for it in range(8):
        w = Writer(ws_path, f"run{it}", 1_000_000)
        deadline = time.monotonic() + 15
        while not w.lines and time.monotonic() < deadline:
            time.sleep(0.002)
        assert w.lines, "the writer never acknowledged an event"
        time.sleep(rng.uniform(0.0, 0.25))  # somewhere in a stream of commits
        os.kill(w.proc.pid, signal.SIGKILL)
        w.join(10)
        assert w.proc.exitcode == -signal.SIGKILL
        acked.update(w.acked())
    with Workspace.open(ws_path) as ws:
        report = ws.verify()
        assert report.ok, report.summary()
        stored = {e.seq: e.payload["text"] for e in ws.events(kind="note")}
        lost = {s: t for s, t in acked.items() if stored.get(s) != t}
        assert not lost, f"acknowledged but lost: {list(lost.items())[:5]}"
        assert len(acked) >= 8 and report.events >= len(acked)
        ws.add_note("after the crashes")  # the write lock died with the process
        assert ws.verify().ok


def test_two_processes_appending_at_once_keep_one_valid_chain(ws_path: Path) -> None:
    Workspace.open(ws_path).close()
    n = 200
    writers = [Writer(ws_path, tag, n) for tag in ("alpha", "beta")]
    for w in writers:
        w.join(60)
        assert w.proc.exitcode == 0
    with Workspace.open(ws_path) as ws:
        report = ws.verify()
        assert report.ok, report.summary()
        assert report.events == 2 * n
        texts = [e.payload["text"] for e in ws.events()]
        stored = {e.seq: e.payload["text"] for e in ws.events()}
    for tag in ("alpha", "beta"):
        assert [t for t in texts if t.startswith(tag)] == [f"{tag} {i}" for i in range(n)]  # all there, in order
    for w in writers:
        assert len(w.acked()) == n and all(stored[s] == t for s, t in w.acked().items())
    switches = sum(1 for a, b in itertools.pairwise(texts) if a.split()[0] != b.split()[0])
    assert switches >= 1  # they really did write at the same time
