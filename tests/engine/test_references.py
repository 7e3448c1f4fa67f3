"""Which group each level is compared with, and the reason the result states (issue 12 item 3): with race = Caucasian
declared and sex automatic, intersections are compared with Caucasian & (sex's largest group), not with the largest
intersection under a false "declared combination absent"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.errors import InputError
from audit.policy import resolve_policy
from audit.run import run_audit
from audit.spec import AuditSpec


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(3)
    n = 3000
    # African-American is the largest race and Male the largest sex, so the largest intersection is
    # African-American & Male, while the declared race reference is Caucasian.
    race = rng.choice(["African-American", "Caucasian", "Hispanic"], n, p=[0.5, 0.35, 0.15])
    sex = rng.choice(["Male", "Female"], n, p=[0.8, 0.2])
    y = rng.integers(0, 2, n)
    pred = (rng.random(n) < 0.4).astype(int)
    path = tmp_path_factory.mktemp("refs") / "d.csv"
    pd.DataFrame(dict(race=race, sex=sex, y=y, pred=pred)).to_csv(path, index=False)
    return path


def _levels(path, **kw):
    spec = AuditSpec(
        data_path=str(path),
        target="y",
        sensitive=("race", "sex"),
        positive_label="1",
        predictions_column="pred",
        bootstrap=50,
        policy=resolve_policy("standard"),
        explain={"enabled": False},
        **kw,
    )
    return {lv.level: lv for lv in run_audit(spec).levels}


def test_intersection_uses_the_declared_reference_and_the_other_features_largest_group(data):
    lv = _levels(data, references={"race": "Caucasian"})
    assert lv[("race",)].reference == {"race": "Caucasian"}
    assert lv[("race",)].reference_reason == "declared reference"
    assert lv[("sex",)].reference == {"sex": "Male"}
    assert lv[("sex",)].reference_reason == "largest group (no reference declared)"
    inter = lv[("race", "sex")]
    assert inter.reference == {"race": "Caucasian", "sex": "Male"}
    assert "combination of the references" in inter.reference_reason
    assert "race=Caucasian (declared)" in inter.reference_reason
    assert "sex=Male (its largest group)" in inter.reference_reason
    assert "absent" not in inter.reference_reason


def test_intersection_reference_largest_is_the_largest_intersection(data):
    lv = _levels(data, references={"race": "Caucasian"}, intersection_reference="largest")
    inter = lv[("race", "sex")]
    assert inter.reference == {"race": "African-American", "sex": "Male"}
    assert inter.reference_reason == "largest group (chosen for intersections)"
    assert lv[("race",)].reference == {"race": "Caucasian"}  # single features keep their declared reference


def test_all_declared_references_combine(data):
    lv = _levels(data, references={"race": "Hispanic", "sex": "Female"})
    inter = lv[("race", "sex")]
    assert inter.reference == {"race": "Hispanic", "sex": "Female"}
    assert "race=Hispanic (declared)" in inter.reference_reason and "sex=Female (declared)" in inter.reference_reason


def test_no_reference_declared_is_the_largest_group_and_says_so(data):
    lv = _levels(data)
    assert lv[("race", "sex")].reference == {"race": "African-American", "sex": "Male"}
    assert lv[("race", "sex")].reference_reason == "largest group (no reference declared)"


def test_absent_combination_falls_back_and_names_it(tmp_path):
    df = pd.DataFrame(dict(race=["A"] * 40 + ["B"] * 40, sex=["M"] * 40 + ["F"] * 40, y=[0, 1] * 40, pred=[1, 0, 0, 1] * 20))
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    lv = _levels(path, references={"race": "A", "sex": "F"})
    inter = lv[("race", "sex")]
    assert "has no rows" in inter.reference_reason and "race=A (declared)" in inter.reference_reason
    assert inter.reference in ({"race": "A", "sex": "M"}, {"race": "B", "sex": "F"})


def test_cli_option_reaches_the_spec(data, tmp_path):
    from cli.main import main

    out = tmp_path / "r.json"
    rc = main(
        [
            "audit",
            "--data",
            str(data),
            "--target",
            "y",
            "--sensitive",
            "race,sex",
            "--predictions",
            "pred",
            "--positive-label",
            "1",
            "--reference",
            "race=Caucasian",
            "--intersection-reference",
            "largest",
            "--bootstrap",
            "50",
            "--no-explain",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert rc in (0, 1)
    import json

    result = json.loads(out.read_text())
    assert result["spec"]["intersection_reference"] == "largest"
    inter = next(lv for lv in result["levels"] if len(lv["level"]) == 2)
    assert inter["reference"] == {"race": "African-American", "sex": "Male"}


def test_reference_for_a_feature_not_audited_is_still_an_error(data):
    with pytest.raises(InputError, match="not a sensitive feature"):
        _levels(data, references={"age": "young"})
