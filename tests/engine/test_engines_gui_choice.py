"""The set-up page's Engine choice: automatic by default, Spark offered only with pyspark installed, the choice in the
request (the worker runs that engine; the specification does not carry it) and in the audit draft, which restores it."""

from __future__ import annotations

import importlib.util

from audit.draft import AuditDraft
from gui.draft_binding import apply_draft, draft_of
from gui.jobs import build_spec


def test_engine_choice_goes_into_the_request_and_the_draft(qtbot):
    from gui.views.setup import SetupView

    s = SetupView()
    qtbot.addWidget(s)
    names = [s.engine_combo.itemData(i) for i in range(s.engine_combo.count())]
    assert names[:3] == ["auto", "numpy", "duckdb"]
    assert ("spark" in names) == (importlib.util.find_spec("pyspark") is not None)
    assert s.engine_combo.currentData() == "auto" and s.build_request()["engine"] == "auto"
    s.engine_combo.setCurrentIndex(s.engine_combo.findData("duckdb"))
    assert s.build_request()["engine"] == "duckdb"
    assert draft_of(s).engine == "duckdb"
    fresh = SetupView()
    qtbot.addWidget(fresh)
    apply_draft(fresh, AuditDraft(engine="numpy"))
    assert fresh.engine_combo.currentData() == "numpy"
    apply_draft(fresh, AuditDraft(engine="spark") if "spark" not in names else AuditDraft(engine="auto"))
    assert fresh.engine_combo.currentData() in ("auto", "spark")


def test_the_request_with_an_engine_still_builds_the_spec():
    request = {
        "data_path": "d.csv",
        "target": "y",
        "sensitive": ("g",),
        "positive_label": "1",
        "model_path": None,
        "predictions_column": "p",
        "policy": {"preset": "four_fifths"},
        "explain": {"enabled": False, "time_budget_s": 5},
        "context": {},
        "engine": "duckdb",
    }
    spec = build_spec(request)
    assert spec.predictions_column == "p" and "engine" not in spec.model_dump()


def test_a_draft_saved_before_the_engine_choice_loads_as_automatic():
    old = AuditDraft(data_path="d.csv").model_dump()
    old.pop("engine")
    assert AuditDraft.model_validate(old).engine == "auto"
