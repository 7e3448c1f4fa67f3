"""The statistics live in audit/stats/ in pipeline order, and the old flat names are gone (no compatibility shims)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = ("cells", "metrics", "score_metrics", "quality", "intervals", "bootstrap", "significance", "estimates")
VERDICTS = ("verdict_units", "verdict_pairs", "verdicts")


OLD = ("groups", "metrics", "scoremetrics", "quality", "intervals", "bootstrap", "significance", "fairness", "verdicts")
STALE = re.compile(rf"\baudit\.({'|'.join(OLD)})\b|^\s*from audit import .*\b({'|'.join(OLD)})\b", re.M)


def test_the_flat_statistics_modules_are_gone_and_nothing_imports_them() -> None:
    """Checked in the files, not by importing: an editable install of another checkout would still resolve the old
    names, so an import that was missed would pass every other test."""
    assert not [old for old in OLD if (ROOT / "audit" / f"{old}.py").exists()]
    sources = [
        f for top in ("audit", "reports", "gui", "cli", "tests", "benchmarks", "release") for f in (ROOT / top).rglob("*.py")
    ]
    stale = {f.relative_to(ROOT).as_posix(): m.group(0) for f in sources if (m := STALE.search(f.read_text(encoding="utf-8")))}
    assert not stale, stale


def test_every_pipeline_stage_is_a_module_of_audit_stats() -> None:
    for name in (*PIPELINE, *VERDICTS):
        assert importlib.import_module(f"audit.stats.{name}").__doc__, name


def test_no_module_of_the_moved_or_split_packages_exceeds_400_lines() -> None:
    files = [*(ROOT / "audit" / "stats").glob("*.py"), *(ROOT / "audit" / "explain").glob("*.py"), ROOT / "audit" / "run.py"]
    long = {f.relative_to(ROOT).as_posix(): n for f in files if (n := len(f.read_text().splitlines())) > 400}
    assert not long, long


def test_the_verdict_family_reads_the_same_pairs_it_decided() -> None:
    """`evaluate` words the verdicts from `decide`'s pair arrays: every tested verdict's m is the family's."""
    import numpy as np
    import pandas as pd

    from audit.policy import PRESETS
    from audit.stats import estimates, verdict_pairs, verdicts
    from audit.stats.cells import build_index

    df = pd.DataFrame({"g": ["a", "b", "c"]})
    index = build_index(df, ("g",))
    counts = np.array([[500, 500, 0, 0], [700, 300, 0, 0], [520, 480, 0, 0]], dtype=np.int64)
    all_stats = [estimates.level_stats(lv, index.n_cells, counts, {}, 0, np.random.default_rng(0)) for lv in index.levels]
    policy = PRESETS["four_fifths"]
    d = verdict_pairs.decide(policy, all_stats, 30)
    found, family = verdicts.evaluate(policy, all_stats, 30)
    assert family.hypotheses == d.m == sum(len(b.bounds) * len(b.g) for b in d.pairs)
    statuses = {v.group["g"]: v.status for v in found}
    assert statuses["b"] == "fail" and d.failed_units() == 1  # 0.3 / 0.5 = 0.6, far below 0.8 at n = 1000
