"""The favourable outcome must be declared; the result and the report say which it is, who declared it, and what each
error means for the person. A COMPAS-shaped fixture shows why a default of 1 would invert the findings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from audit.errors import InputError
from audit.policy import resolve_policy
from audit.run import run_audit
from audit.spec import AuditSpec
from cli.main import main

# ProPublica's COMPAS two-year recidivism file (compas-scores-two-years.csv, 7,214 defendants): group sizes, the share
# scored medium or high risk (decile score >= 5, the analysis' "high risk" = 1) and the share who re-offended within
# two years, as published in ProPublica's analysis (Larson et al., 2016). No copy of the data ships offline, so the
# fixture draws defendants with exactly these group structures: 1 = flagged high risk (adverse), 0 = low risk.
COMPAS_GROUPS = {  # race: (defendants, share flagged high risk, share re-offended)
    "African-American": (3696, 0.588, 0.514),
    "Caucasian": (2454, 0.348, 0.394),
    "Hispanic": (637, 0.294, 0.364),
    "Other": (377, 0.220, 0.352),
    "Asian": (32, 0.281, 0.281),
    "Native American": (18, 0.611, 0.556),
}


def compas_like(path, seed: int = 7):
    rng = np.random.default_rng(seed)
    parts = []
    for race, (n, flagged, recid) in COMPAS_GROUPS.items():
        y = (rng.random(n) < recid).astype(int)
        # flags depend on the outcome (the score predicts something) but keep each group's published flag rate
        p_flag = np.clip(flagged + 0.25 * (y - recid), 0, 1)
        high_risk = (rng.random(n) < p_flag).astype(int)
        sex = rng.choice(["Male", "Female"], n, p=[0.81, 0.19])
        age = rng.choice(["Less than 25", "25 - 45", "Greater than 45"], n, p=[0.22, 0.57, 0.21])
        parts.append(pd.DataFrame({"race": race, "sex": sex, "age_cat": age, "two_year_recid": y, "high_risk": high_risk}))
    df = pd.concat(parts, ignore_index=True)
    df.to_csv(path, index=False)
    return path


def _audit(f, out, *extra):
    return main(
        [
            "audit",
            "--data",
            str(f),
            "--target",
            "two_year_recid",
            "--sensitive",
            "race,sex,age_cat",
            "--predictions",
            "high_risk",
            "--bootstrap",
            "0",
            "--json",
            str(out),
            "--quiet",
            *extra,
        ]
    )


def test_compas_without_a_declared_favourable_outcome_is_refused(tmp_path, capsys):
    f = compas_like(tmp_path / "compas.csv")
    rc = _audit(f, tmp_path / "r.json")
    err = capsys.readouterr().err
    assert rc == 2 and not (tmp_path / "r.json").exists()
    assert "favourable outcome" in err and "0, 1" in err and "--positive-label VALUE" in err


def test_compas_with_positive_label_0_fails_four_fifths_for_african_american(tmp_path, capsys):
    f = compas_like(tmp_path / "compas.csv")
    out = tmp_path / "r.json"
    rc = _audit(f, out, "--positive-label", "0")
    assert rc == 1
    doc = json.loads(out.read_text())
    fails = {
        v["group"].get("race")
        for v in doc["verdicts"]
        if v["check"] == "four_fifths" and v["status"] == "fail" and v["level"] == ["race"]
    }
    assert fails == {"African-American"}
    fav = doc["favourable_outcome"]
    assert fav["label"] == "0" and fav["declared_by"] == "the audit set-up (--positive-label)"
    assert fav["false_negative"].startswith("not given the favourable outcome") and "0" in fav["favourable"]
    assert "Favourable outcome" in capsys.readouterr().out
    # the inverted reading (1 = favourable) fails the others and never African-American: why it must be declared
    inverted_out = tmp_path / "inverted.json"
    _audit(f, inverted_out, "--positive-label", "1")
    doc = json.loads(inverted_out.read_text())
    inverted = {
        v["group"].get("race")
        for v in doc["verdicts"]
        if v["check"] == "four_fifths" and v["status"] == "fail" and v["level"] == ["race"]
    }
    assert "African-American" not in inverted and "Caucasian" in inverted


def test_policy_file_declares_the_outcome_and_its_wording(tmp_path):
    f = compas_like(tmp_path / "compas.csv")
    pol = tmp_path / "pretrial.toml"
    pol.write_text(
        'positive_label = 0\n[outcome]\nfavourable = "assessed as low risk"\n'
        'false_positive = "assessed as low risk although they re-offended"\n'
        '[[checks]]\nid = "four_fifths"\nmetric = "selection_rate"\ncompare = "ratio"\nagainst = "max"\nmin = 0.8\n'
    )
    spec = AuditSpec(
        data_path=str(f),
        target="two_year_recid",
        sensitive=("race",),
        predictions_column="high_risk",
        policy=resolve_policy(str(pol)),
        bootstrap=0,
    )
    r = run_audit(spec)
    fav = r.favourable_outcome
    assert fav.label == "0" and fav.declared_by == f"policy file {pol}"
    assert fav.favourable == "assessed as low risk"
    assert fav.false_positive == "assessed as low risk although they re-offended"
    assert fav.false_negative == "not given assessed as low risk although they qualified for it"  # default wording
    with pytest.raises(InputError, match="contradicts"):
        run_audit(spec.model_copy(update={"positive_label": "1"}))


def test_the_report_states_the_favourable_outcome_and_the_family(tmp_path):
    from pypdf import PdfReader

    from reports import export_report

    f = compas_like(tmp_path / "compas.csv")
    spec = AuditSpec(
        data_path=str(f),
        target="two_year_recid",
        sensitive=("race",),
        predictions_column="high_risk",
        positive_label="0",
        bootstrap=0,
    )
    r = run_audit(spec)
    pdf = tmp_path / "r.pdf"
    export_report(r, pdf, charts=False)
    text = " ".join(" ".join(pg.extract_text() or "" for pg in PdfReader(str(pdf)).pages).split())
    assert "Favourable outcome" in text and "declared by the audit set-up (--positive-label)" in text
    assert "false negative: not given the favourable outcome" in text
    assert f"m = {r.verdict_family.hypotheses}" in text and "Agresti-Coull" in text
