"""Public surface, and no shap at import time (CLI and GUI start-up must not pay for it)."""

from __future__ import annotations

import json
import subprocess
import sys

import audit.explain


def test_public_surface():
    assert set(audit.explain.__all__) == {
        "AttributionShare",
        "ExplainSettings",
        "Explanations",
        "FeatureImportance",
        "GroupExplanation",
        "GroupFeature",
        "LocalExplanation",
        "RankShift",
        "RowAttributions",
        "explain",
        "explain_rows",
        "failed",
        "not_assessed",
    }
    for name in audit.explain.__all__:
        assert getattr(audit.explain, name) is not None


def test_import_does_not_load_shap_or_model_libraries():
    code = (
        "import sys, json; import audit.explain, audit.explain.core, audit.explain.tree, audit.explain.agnostic; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('shap', 'lightgbm', 'xgboost', 'numba'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_settings_defaults_match_the_spec():
    s = audit.explain.ExplainSettings()
    assert (s.enabled, s.time_budget_s, s.max_rows, s.background_size, s.local_per_group, s.stability_resamples) == (
        True,
        30.0,
        None,
        100,
        3,
        200,
    )
