"""Datasets and audit command lines on which every engine must give the same result (tests/engine/test_engines.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Fields that differ between any two runs (clock, duration) or name the engine: left out of comparisons.
VOLATILE = {"started_at", "finished_at", "seconds", "engine", "library_versions", "schema_version"}


def predictions_frame(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Predictions-only data with what the statistics must survive: missing sensitive values, tied scores (rounded),
    scores of exactly 0 and 1, a numeric column with many values and gaps (quintiles for proxies), a text column of 60
    levels (capped at 50) that follows race (a proxy), and a small integer sensitive column."""
    rng = np.random.default_rng(seed)
    race = rng.choice(["White", "Black", "Asian", "NA"], n, p=[0.5, 0.25, 0.15, 0.1])
    sex = rng.choice(["F", "M"], n).astype(object)
    sex[rng.choice(n, 50, replace=False)] = None
    band = rng.choice([1, 2, 3], n)
    y = (rng.random(n) < 0.4 + 0.1 * (race == "White")).astype(int)
    score = np.clip(0.35 * y + rng.random(n) * 0.65 - 0.1 * (race == "Black"), 0, 1)
    score[: n // 3] = np.round(score[: n // 3], 2)  # ties, across cells too
    score[rng.choice(n, 20, replace=False)] = 0.0
    score[rng.choice(n, 20, replace=False)] = 1.0
    income = np.round(rng.lognormal(10, 0.5, n), 0)
    income[rng.choice(n, 100, replace=False)] = np.nan
    zipcode = np.where(race == "White", rng.integers(0, 30, n), rng.integers(25, 60, n))
    # Whole years, many ties: quintile edges fall on data values (bins are closed on the right), and a proxy of sex.
    years = np.where(sex == "F", rng.integers(0, 20, n), rng.integers(12, 40, n))
    return pd.DataFrame(
        {
            "race": race,
            "sex": sex,
            "band": band,
            "years": years,
            "y": y,
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "income": income,
            "zip": [f"z{z:02d}" for z in zipcode],
            "note": np.where(rng.random(n) < 0.05, np.array(None, dtype=object), "ok"),
        }
    )


def labelled_frame(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Text outcomes ('yes'/'no') in target and predictions, no scores, a target with gaps."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["north", "south", "east"], n, p=[0.6, 0.3, 0.1])
    y = np.where(rng.random(n) < 0.5, "yes", "no").astype(object)
    y[rng.choice(n, 30, replace=False)] = None
    pred = np.where(rng.random(n) < 0.45 + 0.1 * (group == "north"), "yes", "no")
    return pd.DataFrame(
        {
            "region": group,
            "age_band": rng.choice(["18-30", "31-50", "51+"], n),
            "outcome": y,
            "decision": pred,
            "tenure": rng.integers(0, 40, n),
        }
    )


def write_cases(folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each case: a data file and the `attest audit` arguments (without --data, --json)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = predictions_frame()
    p.to_parquet(folder / "preds.parquet", index=False)
    p.to_csv(folder / "preds.csv", index=False)
    lab = labelled_frame()
    lab.to_parquet(folder / "labelled.parquet", index=False)
    common = ["--bootstrap", "300", "--quiet", "--no-explain"]
    scores = [
        "--target",
        "y",
        "--sensitive",
        "race,sex,band",
        "--predictions",
        "pred",
        "--scores",
        "score",
        "--positive-label",
        "1",
        *common,
    ]
    return {
        "scores_parquet": (folder / "preds.parquet", scores),
        "scores_csv": (folder / "preds.csv", scores),
        "no_scores_refs": (
            folder / "preds.parquet",
            [
                "--target",
                "y",
                "--sensitive",
                "race,sex",
                "--predictions",
                "pred",
                "--positive-label",
                "1",
                "--reference",
                "race=White",
                "--na-values",
                "NA",
                "--policy",
                "standard",
                *common,
            ],
        ),
        "labels_max_order": (
            folder / "labelled.parquet",
            [
                "--target",
                "outcome",
                "--sensitive",
                "region,age_band",
                "--predictions",
                "decision",
                "--positive-label",
                "yes",
                "--max-order",
                "1",
                "--intersection-reference",
                "largest",
                "--ci-level",
                "0.9",
                "--seed",
                "7",
                *common,
            ],
        ),
    }


def stable(doc: Any) -> Any:
    """The result without what changes from run to run."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [stable(v) for v in doc]
    return doc


def differences(a: Any, b: Any, path: str = "", tol: float = 1e-12) -> list[str]:
    """Where two JSON documents differ: numbers beyond `tol` (absolute, or relative to the larger), anything else exactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one" for k in set(a) ^ set(b)]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{path}.{k}", tol)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]", tol)]
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    if a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)):
        return []
    return [] if abs(a - b) <= tol * max(1.0, abs(a), abs(b)) else [f"{path}: {a!r} != {b!r}"]


def load(path: Path) -> Any:
    return stable(json.loads(path.read_text()))
