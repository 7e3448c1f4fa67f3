"""Simulated evaluation data with a known (or no) disparity, recorded as audit runs in a fresh workspace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cli.main import main


def frame(n: int = 3000, *, bias: float = 1.2, seed: int = 1) -> pd.DataFrame:
    """The true outcome depends on x only; the score adds `bias` (log-odds) for men, so decisions favour them."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    x = rng.normal(0, 1, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-1.2 * x))).astype(int)
    logit = 1.2 * x + np.where(sex == "Male", bias / 2, -bias / 2)
    score = 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"x": x.round(6), "sex": sex, "approved": y, "pred": (score >= 0.5).astype(int), "score": score.round(6)})


def record_run(
    tmp: Path,
    df: pd.DataFrame,
    *,
    policy: str = "demographic_parity",
    name: str = "eval",
    scores: bool = True,
    model: Path | None = None,
) -> tuple[Path, str, Path]:
    """Audit `df` (predictions + scores, or `model`) into tmp/ws.attest; returns (workspace, run id, data file)."""
    data = tmp / f"{name}.csv"
    df.to_csv(data, index=False)
    ws = tmp / "ws.attest"
    source = (
        ["--model", str(model), "--no-explain"]
        if model
        else ["--predictions", "pred", *(["--scores", "score"] if scores else [])]
    )
    rc = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "approved",
            "--sensitive",
            "sex",
            *source,
            "--positive-label",
            "1",
            "--policy",
            policy,
            "--bootstrap",
            "200",
            "--workspace",
            str(ws),
            "--json",
            str(tmp / f"{name}.audit.json"),
            "--quiet",
            "--force",
        ]
    )
    assert rc in (0, 1)
    from audit.trail import Workspace

    with Workspace.open(ws, readonly=True) as w:
        run_id = w.audit_runs()[-1].run_id
    return ws, run_id, data


def mitigate(ws: Path, run_id: str, out: Path, *extra: str, constraint: str = "demographic_parity") -> dict:
    rc = main(["mitigate", run_id, "--workspace", str(ws), "--constraint", constraint, "--json", str(out), "--force", *extra])
    assert rc == 0
    return json.loads(out.read_text(encoding="utf-8"))


def selection_difference(audit: dict) -> dict:
    """The engine's Female - Male selection-rate difference (estimate and interval) in an audit result."""
    found = [
        d
        for d in audit["disparities"]
        if d["metric"] == "selection_rate" and d["group"] == {"sex": "Female"} and d["reference"] == {"sex": "Male"}
    ]
    if found:
        return found[0]["difference"]
    d = next(
        d
        for d in audit["disparities"]
        if d["metric"] == "selection_rate" and d["group"] == {"sex": "Male"} and d["reference"] == {"sex": "Female"}
    )
    e = d["difference"]
    return {"value": -e["value"], "ci_low": -e["ci_high"], "ci_high": -e["ci_low"]}
