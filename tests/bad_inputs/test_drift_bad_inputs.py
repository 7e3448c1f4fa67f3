"""`attest drift` refuses hostile input with exit 2, a message naming the file and column, a hint, and no JSON."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main


def _good(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.gamma(4, 12_000, n).round(2),
            "region": rng.choice(["N", "S"], n),
            "race": rng.choice(["A", "B"], n),
            "score": rng.random(n).round(4),
            "pred": rng.integers(0, 2, n),
        }
    )


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("drift_bad")
    good = _good()
    good.to_csv(d / "ref.csv", index=False)
    _good(seed=1).to_csv(d / "cur.csv", index=False)
    (d / "empty.csv").write_bytes(b"")
    (d / "header_only.csv").write_text("income,region,race,score,pred\n")
    _good(seed=1).drop(columns=["region"]).to_csv(d / "no_region.csv", index=False)
    _good(seed=1).drop(columns=["race"]).to_csv(d / "no_race.csv", index=False)
    good.assign(income=np.nan).to_csv(d / "ref_income_empty.csv", index=False)
    _good(seed=1).assign(income=lambda f: f.income.map(lambda v: f"{v:,.2f} EUR")).to_csv(d / "text_income.csv", index=False)
    _good(seed=1).assign(score=lambda f: f.score * 100).to_csv(d / "percent_scores.csv", index=False)
    _good(seed=1).assign(pred=lambda f: f.pred + f.index % 3).to_csv(d / "three_decisions.csv", index=False)
    _good(seed=1).assign(pred=np.where(np.arange(300) % 2, "yes", "no")).to_csv(d / "yes_no.csv", index=False)
    (d / "plan_typo.toml").write_text("[drift]\npsi_limit = 0.2\n")
    (d / "plan_section.toml").write_text("[drfit]\npsi = 0.2\n")
    (d / "plan_broken.toml").write_text("[drift\npsi = \n")
    (d / "plan_negative.toml").write_text("[drift]\npsi = -1\n")
    return d


REF, CUR = ["--reference", "{d}/ref.csv"], ["--current", "{d}/cur.csv"]

BAD = [
    ("empty_reference", ["--reference", "{d}/empty.csv", *CUR], ["empty.csv", "empty (0 bytes)"]),
    ("empty_current", [*REF, "--current", "{d}/empty.csv"], ["empty.csv", "empty (0 bytes)"]),
    ("header_only_current", [*REF, "--current", "{d}/header_only.csv"], ["header_only.csv", "no data rows"]),
    ("missing_file", [*REF, "--current", "{d}/nope.csv"], ["not found", "nope.csv"]),
    (
        "current_lacks_a_column",
        [*REF, "--current", "{d}/no_region.csv"],
        ["no_region.csv lacks column(s) the reference has: 'region'", "--features income,race,score,pred"],
    ),
    ("feature_not_in_files", [*REF, *CUR, "--features", "income,salary"], ["feature column(s) 'salary'", "ref.csv"]),
    (
        "sensitive_not_in_current",
        [*REF, "--current", "{d}/no_race.csv", "--sensitive", "race"],
        ["sensitive column(s) 'race' are not in no_race.csv"],
    ),
    (
        "reference_column_all_missing",
        ["--reference", "{d}/ref_income_empty.csv", *CUR],
        ["'income' has no values in the reference file ref_income_empty.csv", "--features"],
    ),
    (
        "numbers_against_text",
        [*REF, "--current", "{d}/text_income.csv"],
        ["'income' holds numbers in the reference file but text in the current file text_income.csv", "EUR"],
    ),
    (
        "scores_not_probabilities",
        [*REF, "--current", "{d}/percent_scores.csv", "--scores", "score"],
        ["column 'score' of percent_scores.csv", "outside [0, 1]"],
    ),
    ("scores_column_missing", [*REF, *CUR, "--scores", "probability"], ["scores column(s) 'probability'"]),
    (
        "decisions_not_binary",
        [*REF, "--current", "{d}/three_decisions.csv", "--predictions", "pred"],
        ["'pred' is not binary", "distinct values"],
    ),
    (
        "decisions_need_a_positive_label",
        ["--reference", "{d}/yes_no.csv", "--current", "{d}/yes_no.csv", "--predictions", "pred"],
        ["positive decision", "--positive-label"],
    ),
    (
        "positive_label_absent",
        [*REF, *CUR, "--predictions", "pred", "--positive-label", "approved"],
        ["'approved' does not occur in 'pred'"],
    ),
    (
        "model_and_predictions",
        [*REF, *CUR, "--model", "{d}/m.skops", "--predictions", "pred"],
        ["--model gives the decisions itself"],
    ),
    ("plan_unknown_key", [*REF, *CUR, "--plan", "{d}/plan_typo.toml"], ["psi_limit", "Extra inputs", "Its keys are"]),
    ("plan_unknown_section", [*REF, *CUR, "--plan", "{d}/plan_section.toml"], ["unknown section(s): drfit", "[drift]"]),
    ("plan_not_toml", [*REF, *CUR, "--plan", "{d}/plan_broken.toml"], ["plan_broken.toml cannot be read"]),
    ("plan_negative_threshold", [*REF, *CUR, "--plan", "{d}/plan_negative.toml"], ["psi", "greater than 0"]),
    ("plan_missing", [*REF, *CUR, "--plan", "{d}/none.toml"], ["none.toml does not exist"]),
    ("json_over_the_reference", [*REF, *CUR, "--json", "{d}/ref.csv"], ["the reference data (--reference)"]),
]


@pytest.mark.parametrize("argv, expected", [pytest.param(a, e, id=i) for i, a, e in BAD])
def test_bad_drift_input_gives_clear_error(argv, expected, d, tmp_path, capsys):
    out = tmp_path / "drift.json"
    args = [a.replace("{d}", str(d)) for a in argv]
    if "--json" not in args:
        args += ["--json", str(out)]
    before = (d / "ref.csv").read_bytes()
    rc = main(["drift", *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    assert rc == 2, f"exit {rc}\n{err}"
    assert err.startswith("error: ") and "How to fix: " in err, err
    for s in expected:
        assert s in err, f"{s!r} missing from:\n{err}"
    assert not out.exists()
    assert (d / "ref.csv").read_bytes() == before
