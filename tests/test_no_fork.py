"""Attest never forks: work in other processes goes through `audit.parallel` (spawned `concurrent.futures` workers).

A forked child inherits the parent's threads' locks half-held (CPython 3.12+ warns when a multi-threaded process forks;
the GUI always has threads) and, on macOS, system frameworks that forbid it. Spawned workers start afresh.
Checked on the syntax tree: calls of `os.fork` / `os.forkpty` anywhere in the repository, and the "fork" start method
(`get_context("fork")`, `set_start_method("fork")`, `mp_context=...fork...`) in the product and the benchmarks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("audit", "reports", "gui", "cli", "benchmarks")
EVERYWHERE = (*PRODUCT, "tests")
_FORKS = {"fork", "forkpty"}
_START_METHOD = {"get_context", "set_start_method"}


def _calls(folders: tuple[str, ...]) -> list[tuple[Path, ast.Call]]:
    out = []
    for d in folders:
        for path in sorted((ROOT / d).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            out += [(path, n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return out


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _os_fork(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr in _FORKS and isinstance(f.value, ast.Name) and f.value.id == "os") or (
        isinstance(f, ast.Name) and f.id in _FORKS
    )


def _fork_start_method(call: ast.Call) -> bool:
    if _name(call.func) not in _START_METHOD:
        return False
    return any(
        isinstance(a, ast.Constant) and a.value in ("fork", "forkserver") for a in [*call.args, *(k.value for k in call.keywords)]
    )


def test_nothing_calls_os_fork():
    found = [f"{p.relative_to(ROOT)}:{c.lineno}" for p, c in _calls(EVERYWHERE) if _os_fork(c)]
    assert found == [], "use audit.parallel (spawned workers) instead of os.fork: " + ", ".join(found)


def test_the_product_uses_no_fork_start_method():
    found = [f"{p.relative_to(ROOT)}:{c.lineno}" for p, c in _calls(PRODUCT) if _fork_start_method(c)]
    assert found == [], "processes are spawned (audit.parallel.spawn_executor): " + ", ".join(found)


def test_the_check_finds_a_fork():
    """The checks above see what they look for (a test that can fail)."""
    tree = ast.parse("import os, multiprocessing as mp\nos.fork()\nmp.get_context('fork')\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert sum(map(_os_fork, calls)) == 1 and sum(map(_fork_start_method, calls)) == 1
