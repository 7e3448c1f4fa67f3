"""Helpers for the reports tests (this folder is on sys.path: tests/reports has no __init__.py, so that `reports`
stays the product package)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.result import AuditResult


@dataclass(frozen=True)
class Exported:
    result: AuditResult
    pdf: Path
    manifest: Path
    pages: list[str]  # text of each page (pypdf)
    workspace: Path | None = None
    run_id: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def flat(self) -> str:
        """All text with whitespace removed: long hashes may wrap inside table cells."""
        return "".join(self.text.split())


def page_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def report_cli(argv: list[str]) -> int:
    """`attest report ...` through its own parser (the lead wires it into cli.main)."""
    from cli import report_cmd

    parser = argparse.ArgumentParser(prog="attest")
    report_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def write_predictions(path: Path, n: int = 4000, seed: int = 0, values=None, long_name: str | None = None) -> Path:
    rng = np.random.default_rng(seed)
    values = values or {"region": ["Αθήνα", "Zürich", "Kraków", "Москва"], "gender": ["Female", "Male"]}
    df = pd.DataFrame({k: rng.choice(v, n) for k, v in values.items()})
    if long_name:
        first = next(iter(values))
        df.loc[df.index[: n // 10], first] = long_name
    df["y"] = rng.integers(0, 2, n)
    first = next(iter(values))
    penalty = 0.35 * (df[first] == values[first][1])
    df["s"] = np.clip(0.45 * df.y + rng.random(n) * 0.55 - penalty, 0, 1)
    df["p"] = (df.s >= 0.5).astype(int)
    df.to_csv(path, index=False)
    return path


def audit_predictions(csv: Path, sensitive: tuple[str, ...], bootstrap: int = 200) -> AuditResult:
    from audit.policy import resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec

    spec = AuditSpec(
        data_path=str(csv),
        target="y",
        sensitive=sensitive,
        predictions_column="p",
        scores_column="s",
        positive_label="1",
        policy=resolve_policy("standard"),
        bootstrap=bootstrap,
        seed=1,
    )
    return run_audit(spec)


def tool(name: str) -> str:
    """A Debian tool the checks need (qpdf, pdffonts). CI installs them (apt-get install qpdf poppler-utils)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: apt-get install -y qpdf poppler-utils")
    return path


def run_tool(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([tool(argv[0]), *argv[1:]], capture_output=True, text=True)
