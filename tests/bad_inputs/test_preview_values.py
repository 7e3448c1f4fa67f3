"""The set-up page's group preview counts what the audit will audit (issue 11 item 4): "NA" and "null" are groups,
empty cells are "(missing)", --na-values is honoured, spacing variants are warned about; and the group estimate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.cancel import CancelToken
from gui.jobs import group_estimate, load_preview

SEX = ["Female", "Female ", "Male", "NA", "null", ""]


def _csv(tmp_path):
    n = 120
    rng = np.random.default_rng(2)
    sex = [SEX[i % len(SEX)] for i in range(n)]
    df = pd.DataFrame({"sex": sex, "approved": rng.integers(0, 2, n), "pred": rng.integers(0, 2, n)})
    path = tmp_path / "values.csv"
    df.to_csv(path, index=False)
    return path


def _preview(path, **kw):
    return load_preview(str(path), progress=lambda *a: None, cancel=CancelToken(), **kw)


def _audit_counts(path, na_values=()):
    from audit.policy import resolve_policy
    from audit.run import run_audit
    from audit.spec import AuditSpec

    spec = AuditSpec(
        data_path=str(path),
        target="approved",
        sensitive=("sex",),
        predictions_column="pred",
        positive_label="1",
        policy=resolve_policy("four_fifths"),
        na_values=na_values,
        bootstrap=50,
    )
    res = run_audit(spec)
    return {g.attributes["sex"]: g.n for g in res.groups if g.level == ("sex",)}


def test_preview_counts_equal_the_audit_group_counts(tmp_path):
    path = _csv(tmp_path)
    p = _preview(path)
    shown = dict(p.groups["sex"])
    assert shown == {"Female": 20, "Female ": 20, "Male": 20, "NA": 20, "null": 20, "(missing)": 20}
    assert shown == _audit_counts(path)
    assert any("differ only in spaces or capitals" in w and "'Female '" in w for w in p.warnings), p.warnings
    assert any("--na-values" in w and "'NA'" in w for w in p.warnings), p.warnings


def test_preview_honours_na_values_like_the_audit(tmp_path):
    path = _csv(tmp_path)
    p = _preview(path, na_values=("NA", "null"))
    shown = dict(p.groups["sex"])
    assert shown == {"Female": 20, "Female ": 20, "Male": 20, "(missing)": 60}
    assert shown == _audit_counts(path, ("NA", "null"))


def test_group_estimate_figure_and_text(tmp_path):
    p = _preview(_csv(tmp_path))
    assert group_estimate(p, ["sex"]) == (6, "This audit will create up to 6 groups and intersections (limit 2,000).")
    assert group_estimate(p, ["sex", "approved"]) == (
        6 + 2 + 12,
        "This audit will create up to 20 groups and intersections (limit 2,000).",
    )
    assert group_estimate(p, ["sex", "approved"], max_order=1)[0] == 8
    big = p.__class__(**{**p.__dict__, "n_unique": {**p.n_unique, "sex": 3000}})
    n, text = group_estimate(big, ["sex"])
    assert n == 120 and "limit" in text  # capped by the 120 rows
    n, text = group_estimate(
        p.__class__(
            **{**p.__dict__, "n_unique": {"sex": 50, "approved": 50, "pred": 50}, "ref": p.ref.model_copy(update={"rows": 10**6})}
        ),
        ["sex", "approved", "pred"],
    )
    assert (
        n == 50 * 3 + 2500 * 3 + 125000
        and text.startswith(f"This audit would create up to {n:,} groups")
        and "--max-order" in text
    )
