"""The set-up page refuses what the audit would refuse, before any work (issue 11), and keeps every setting a recorded
run used (issue 12): the 2,000-group limit blocks Run with a way out, the favourable-value choice offers only the target
values the audit will see, and the intersection order and the values that mean missing survive a re-run."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from tests.gui.conftest import AUDIT_TIMEOUT_MS, load_data, message_boxes, open_workspace, set_up_demo_audit


def _tick(setup, names) -> None:
    for i in range(setup.groups_tree.topLevelItemCount()):
        item = setup.groups_tree.topLevelItem(i)
        if item.text(0) in names:
            item.setCheckState(0, Qt.CheckState.Checked)


def _wide(tmp_path):
    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({f"s{i}": rng.choice(list("abcd"), n) for i in range(6)})
    df["y"] = rng.integers(0, 2, n)
    df["pred"] = rng.integers(0, 2, n)
    path = tmp_path / "wide.csv"
    df.to_csv(path, index=False)
    return path


def test_run_is_blocked_above_the_group_limit_and_the_order_choice_unblocks_it(qtbot, window, tmp_path):
    from audit.guards import MAX_GROUPS, estimate_groups

    s = window.setup
    load_data(qtbot, window, _wide(tmp_path))
    s.source_predictions.setChecked(True)
    s.predictions_combo.setCurrentText("pred")
    s.target_combo.setCurrentText("y")
    _tick(s, [f"s{i}" for i in range(6)])
    n = estimate_groups({f"s{i}": 4 for i in range(6)}, [f"s{i}" for i in range(6)], None, rows=3000)
    assert n > MAX_GROUPS
    assert not s.run_button.isEnabled()
    assert s.ready_label.text().startswith("Cannot run:") and f"{n:,}" in s.ready_label.text()
    emitted = []
    s.run_requested.connect(emitted.append)
    s.request_run()  # Ctrl+R goes here too
    assert emitted == []
    boxes = message_boxes(window)
    assert boxes and "limit" in boxes[0].text()
    for b in boxes:
        b.close()
    s.order_combo.setCurrentIndex(s.order_combo.findData(2))
    assert s.run_button.isEnabled() and s.ready_label.text().startswith("Ready:")
    s.request_run()
    assert len(emitted) == 1 and emitted[0]["max_intersection_order"] == 2


def test_favourable_choice_offers_only_target_values_the_audit_keeps(qtbot, window, tmp_path):
    from audit.run import run_audit
    from audit.spec import AuditSpec

    df = pd.DataFrame({"sex": ["F", "M"] * 60, "y": (["1", "0", "NA", "1"] * 30), "pred": [1, 0, 0, 1] * 30})
    path = tmp_path / "na_target.csv"
    df.to_csv(path, index=False)
    s = window.setup
    load_data(qtbot, window, path)
    s.source_predictions.setChecked(True)
    s.predictions_combo.setCurrentText("pred")
    s.target_combo.setCurrentText("y")
    _tick(s, ["sex"])
    offered = [s.positive_combo.itemText(i) for i in range(s.positive_combo.count())]
    assert sorted(offered) == ["0", "1"]
    assert "30 row(s) with no value in the target will be left out" in s.ready_label.text()
    result = run_audit(
        AuditSpec(data_path=str(path), target="y", sensitive=("sex",), predictions_column="pred", positive_label="1")
    )
    assert any(w.startswith("30 row(s) with no value in the target") for w in result.warnings)


def test_order_and_missing_values_survive_a_rerun(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    s = window.setup
    s.order_combo.setCurrentIndex(s.order_combo.findData(1))
    assert dict(s.preview.groups["race"])["Hispanic"] == 46
    with qtbot.waitSignal(s.preview_loaded, timeout=30_000):
        s.set_na_values(["Hispanic"])  # the groups are read again, as the audit will
    assert "Hispanic" not in dict(s.preview.groups["race"]) and dict(s.preview.groups["race"])["(missing)"] == 46
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(s.run_button, Qt.MouseButton.LeftButton)
    first = blocker.args[0].result.spec
    assert first.max_intersection_order == 1 and first.na_values == ("Hispanic",)
    s.order_combo.setCurrentIndex(0)
    s.na_edit.setText("")
    window.rerun_setup()
    qtbot.waitUntil(lambda: s.preview is not None and s.na_values() == ("Hispanic",), timeout=30_000)
    assert s.max_order() == 1
    from gui.draft_binding import draft_of

    assert draft_of(s).to_spec() == first
