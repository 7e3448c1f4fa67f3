"""The Mitigation page: propose on a recorded run (recorded in the trail), the caveat shown first, any trade-off point
audited in full, the flipped verdict listed, the proposal adopted under the identity, saved as PDF."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from audit.trail import Workspace
from cli.main import main
from tests.mitigation.helpers import frame, record_run

TIMEOUT = 120_000


def _snapshot(path):
    from gui.jobs import WorkspaceSnapshot

    with Workspace.open(path, readonly=True) as ws:
        return WorkspaceSnapshot(path=str(ws.path), name="t", runs=ws.audit_runs(), events=ws.events())


@pytest.fixture
def runs(tmp_path):
    df = frame(2000, bias=1.6, seed=4)
    ws, with_scores, _ = record_run(tmp_path, df)
    _, without, _ = record_run(tmp_path, df, name="noscores", scores=False)
    return ws, with_scores, without


def test_propose_audit_a_point_adopt_and_save(qtbot, runs, tmp_path):
    from gui.views.mitigation import MitigationView

    ws, run_id, no_scores = runs
    view = MitigationView()
    qtbot.addWidget(view)
    assert not view.propose_button.isEnabled()
    view.set_workspace(_snapshot(ws))
    listed = [view.run.itemData(i) for i in range(view.run.count())]
    assert listed == [run_id] and no_scores not in listed  # thresholds need scores
    assert "1 run(s) without scores are not listed" in view.status.text()
    assert not view.adopt_button.isEnabled() and not view.save_pdf.isEnabled()
    with qtbot.waitSignal(view.proposed, timeout=TIMEOUT) as got:
        view.propose_button.click()
    result = got.args[0]
    assert not view.caveat.isHidden() and "disparate treatment" in view.caveat.text()
    assert "Recorded in the trail as proposal " + result["recorded"]["proposal_id"] in view.status.text()
    assert view.points_model.rowCount() == len(result["tradeoff"])
    flips = [(v["check"], v["before"], v["after"]) for v in view.flip_model.records]
    assert ("demographic_parity", "fail", "pass") in flips
    assert "What changed: the decisions only" in view.summary.toPlainText()
    alt = view.alternatives.toPlainText()
    single = result["alternatives"]["single_threshold"]["threshold"]
    assert f"score ≥ {single:.4g}" in alt and "unknown until retrained" in alt and "disparate treatment" in alt
    # pick the proposed point: its audit is the 'after' audit
    proposed = next(i for i, p in enumerate(result["tradeoff"]) if p.get("proposed"))
    view.points.setCurrentIndex(view.points_proxy.mapFromSource(view.points_model.index(proposed, 0)))
    assert view.point_button.isEnabled()
    with qtbot.waitSignal(view.point_audited, timeout=TIMEOUT):
        view.point_button.click()
    assert [v["status"] for v in view.point_model.records] == [v["status"] for v in result["after"]["verdicts"]]
    assert "1 passed, 0 failed" in view.point_summary.text()
    # adoption needs an identity; then it is recorded once
    assert main(["trail", "whoami", "--workspace", str(ws), "--set-name", "Dana Kim", "--set-role", "ML lead"]) == 0
    with qtbot.waitSignal(view.adopted, timeout=TIMEOUT):
        view.adopt("thresholds approved by legal", ask=False)
    assert not view.adopt_button.isEnabled()
    with Workspace.open(ws, readonly=True) as w:
        (event,) = w.events(kind="mitigation_adopted")
        assert event.payload["adopted_by"] == "Dana Kim" and event.payload["comment"] == "thresholds approved by legal"
        assert len(w.events(kind="mitigation_proposed")) == 1 and w.verify().ok
    out = tmp_path / "m.pdf"
    with qtbot.waitSignal(view.saver.finished, timeout=TIMEOUT):
        view.save("pdf", str(out))
    assert out.read_bytes()[:5] == b"%PDF-"


def test_adopting_without_an_identity_is_refused_and_records_nothing(qtbot, runs, monkeypatch):
    from gui.views import mitigation as page

    shown = []
    monkeypatch.setattr(page, "show_error", lambda parent, exc, title="": shown.append(exc))
    ws, _, _ = runs
    view = page.MitigationView()
    qtbot.addWidget(view)
    view.set_workspace(_snapshot(ws))
    with qtbot.waitSignal(view.proposed, timeout=TIMEOUT):
        view.propose()
    with qtbot.waitSignal(view.adopt_runner.failed, timeout=TIMEOUT):
        view.adopt(ask=False)
    assert shown and "no display name and role" in shown[0].message
    with Workspace.open(ws, readonly=True) as w:
        assert not w.events(kind="mitigation_adopted")
    assert view.adopt_button.isEnabled()  # still possible once the identity is set


def test_retraining_from_the_page(qtbot, tmp_path):
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    from gui.views.mitigation import MitigationView
    from tests.mitigation.test_retrain import _biased

    train, evaluation = _biased(1500, 21), _biased(1200, 22)
    sio.dump(LogisticRegression().fit(train[["x", "male"]], train.approved), tmp_path / "model.skops")
    train.to_csv(tmp_path / "train.csv", index=False)
    ws, _, _ = record_run(tmp_path, evaluation, model=tmp_path / "model.skops")
    view = MitigationView()
    qtbot.addWidget(view)
    view.set_workspace(_snapshot(ws))
    view.train_data.set_path(str(tmp_path / "train.csv"))
    with qtbot.waitSignal(view.proposed, timeout=TIMEOUT) as got:
        view.propose()
    result = got.args[0]
    eg = result["alternatives"]["exponentiated_gradient"]
    assert eg["status"] == "retrained" and "Retrained with ExponentiatedGradient" in view.alternatives.toPlainText()
    i = next(k for k, p in enumerate(result["tradeoff"]) if p["method"] == "ExponentiatedGradient")
    with qtbot.waitSignal(view.point_audited, timeout=TIMEOUT):
        view.audit_selected(i)
    assert [v["status"] for v in view.point_model.records] == [v["status"] for v in eg["audit"]["verdicts"]]
