"""Two audits of a lender's decisions before and after re-thresholding group B, recorded in a workspace; and the
demo's second chapter built once per module (`built`).

Run A decides `score >= 0.5` for everyone; group B's scores run 0.2 lower, so B is selected far less often and the
four-fifths check fails for B. Run B ("pred_fixed") lowers B's threshold to 0.3: B's selection rate comes back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

N = 3000


def lender_frame(seed: int = 1, n: int = N, groups=("A", "B", "C"), p=(0.6, 0.3, 0.1)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"race": rng.choice(list(groups), n, p=list(p)), "sex": rng.choice(["F", "M"], n)})
    df["y"] = rng.binomial(1, 0.5, n)
    b = (df.race == "B").to_numpy()
    df["score"] = np.clip(rng.normal(0.5 + 0.25 * (df.y - 0.5) - 0.2 * b, 0.2), 0, 1).round(4)
    df["pred"] = (df.score >= 0.5).astype(int)
    df["pred_fixed"] = (df.score >= np.where(b, 0.3, 0.5)).astype(int)
    tweak = df.pred.copy()  # 15 more approvals in group A: a change too small for any interval
    tweak[df.index[(df.race == "A") & (df.pred == 0)][:15]] = 1
    df["pred_tweak"] = tweak
    return df


def spec(data: Path, predictions: str = "pred", **kw):
    from audit.spec import AuditSpec

    return AuditSpec(
        data_path=str(data),
        target="y",
        sensitive=("race", "sex"),
        positive_label="1",
        predictions_column=predictions,
        scores_column="score",
        bootstrap=200,
        references={"race": "A"},
        **kw,
    )


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lender") / "decisions.csv"
    lender_frame().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def results(data_file):
    """(before, after) audit results."""
    from audit.run import run_audit

    return run_audit(spec(data_file)), run_audit(spec(data_file, "pred_fixed"))


@pytest.fixture
def recorded(tmp_path, results):
    """(workspace path, run A id, run B id)."""
    from audit.recording import record_audit_run
    from audit.trail import Workspace

    path = tmp_path / "lender.attest"
    with Workspace.open(path) as ws:
        ws.set_identity("Jordan Blake", "Model risk auditor")
        ids = [record_audit_run(ws, r) for r in results]
    return path, ids[0], ids[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo's model and evaluation data, its year of production decisions (log.csv) and its monitoring plan:
    (folder, files, log)."""
    from audit import demo

    folder = tmp_path_factory.mktemp("demo")
    files = demo.build_demo(folder)
    log = demo.production_log(pd.read_csv(files.data))
    log.to_csv(folder / "log.csv", index=False)
    (folder / "plan.toml").write_text(demo.MONITOR_PLAN, encoding="utf-8")
    return folder, files, log
