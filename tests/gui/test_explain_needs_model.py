"""A predictions-only audit has no model to explain: the option is off and disabled with the reason, the request asks
for no explanations, and the Explanations page says explanations need a model."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from gui.views.setup_defaults import NO_MODEL_TO_EXPLAIN
from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data


def _predictions_csv(path):
    rng = np.random.default_rng(4)
    n = 400
    lines = ["region,income,repaid,decision"]
    for _ in range(n):
        region = rng.choice(["North", "South"])
        repaid = int(rng.random() < 0.6)
        decision = repaid if rng.random() < 0.8 else 1 - repaid
        lines.append(f"{region},{rng.normal(50, 10):.1f},{repaid},{decision}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_option_follows_the_decision_source(qtbot):
    from gui.views.setup import SetupView

    s = SetupView()
    qtbot.addWidget(s)
    assert s.explain_check.isEnabled() and s.explain_check.isChecked()  # a model file: explained by default
    s.source_predictions.setChecked(True)
    assert not s.explain_check.isEnabled() and not s.explain_check.isChecked()
    assert s.explain_check.toolTip() == NO_MODEL_TO_EXPLAIN and "need a model" in NO_MODEL_TO_EXPLAIN
    assert not s.budget_spin.isEnabled()
    assert s.build_request()["explain"]["enabled"] is False
    s.explain_check.setChecked(True)  # e.g. a restored draft: it cannot be on without a model
    assert not s.explain_check.isChecked()
    s.source_model.setChecked(True)  # back to a model: as the user left it
    assert s.explain_check.isEnabled() and s.explain_check.isChecked() and s.budget_spin.isEnabled()
    assert s.build_request()["explain"]["enabled"] is True
    s.explain_check.setChecked(False)
    s.source_predictions.setChecked(True)
    s.source_model.setChecked(True)
    assert not s.explain_check.isChecked()


def test_explanations_page_says_a_model_is_needed(qtbot, window, tmp_path):
    s = window.setup
    load_data(qtbot, window, _predictions_csv(tmp_path / "decisions.csv"))
    s.source_predictions.setChecked(True)
    s.predictions_combo.setCurrentText("decision")
    s.target_combo.setCurrentText("repaid")
    s.positive_combo.setCurrentText("1")
    for i in range(s.groups_tree.topLevelItemCount()):
        item = s.groups_tree.topLevelItem(i)
        if item.text(0) == "region":
            item.setCheckState(0, Qt.CheckState.Checked)
    s.bootstrap_spin.setValue(50)
    assert not s.explain_check.isEnabled() and not s.explain_check.isChecked()
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as shown:
        s.request_run()
    result = shown.args[0].result
    assert result.model is None and result.explanations is None and not result.spec.explain.enabled
    text = window.explanations.status.text()
    assert "Explanations need a model" in text and "predictions column" in text and "decision" in text
    assert not window.explanations.tabs.isVisible()
