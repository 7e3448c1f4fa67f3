"""The shared labelled picker (Results forest plot, Explanations): its label focuses it, a refill keeps the choice."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


def test_labelled_combo_keeps_the_choice_on_refill(qtbot):
    from gui.views.common import labelled_combo, refill_combo

    host = QWidget()
    qtbot.addWidget(host)
    bar = QHBoxLayout(host)
    combo = labelled_combo(bar, "probe", "&Feature", "Feature to plot", [("income", "income"), ("debt", "debt")])
    label = bar.itemAt(0).widget()
    assert isinstance(label, QLabel) and label.buddy() is combo and combo.accessibleName() == "Feature to plot"
    assert combo.objectName() == "probe" and combo.currentData() == "income"
    combo.setCurrentIndex(1)
    changes = []
    combo.currentIndexChanged.connect(changes.append)
    refill_combo(combo, [("tenure", "tenure"), ("debt", "debt")])
    assert combo.currentData() == "debt" and changes == []  # kept, and no change signal for a refill
    refill_combo(combo, [("age band", "band")])
    assert combo.currentData() == "band"
    refill_combo(combo, [])
    assert combo.currentIndex() == -1


def test_both_views_use_the_shared_helper():
    import gui.views.explanations as ex
    import gui.views.verdict_forest as vf

    assert not hasattr(ex, "_combo") and not hasattr(vf, "_combo") and not hasattr(ex, "_refill")
