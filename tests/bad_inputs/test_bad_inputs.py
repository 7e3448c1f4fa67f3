"""Every bad input gets a clear error: exit code 2, a message naming what was wrong, a "How to fix" hint, no traceback.

One row per bad input: (id, argv, expected substrings). argv uses {d} for the corpus folder (see conftest.py) and {out}
for a per-test JSON path. Each row runs the real CLI in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

SENS = ["--sensitive", "sex,race"]
NO_LABEL = "<no --positive-label>"  # rows marked so run without the favourable outcome that `_argv` declares otherwise


def preds(data: str, *extra: str, target: str = "approved", pred: str = "pred") -> list[str]:
    """A predictions-only audit of `data`."""
    return ["--data", f"{{d}}/{data}", "--target", target, *SENS, "--predictions", pred, *extra]


def model(path: str, *extra: str, data: str = "good.csv") -> list[str]:
    """A model audit of `path` on `data` (explanations off: this suite is about inputs)."""
    where = path if Path(path).is_absolute() else f"{{d}}/{path}"
    return ["--data", f"{{d}}/{data}", "--target", "approved", *SENS, "--model", where, "--no-explain", *extra]


# (id, argv after `attest audit`, substrings the error must contain)
BAD = [
    # --- the data file itself
    ("empty_file", preds("empty.csv"), ["empty.csv", "empty (0 bytes)"]),
    ("blank_lines_only", preds("blank.csv"), ["blank.csv", "no rows"]),
    ("binary_junk", preds("junk.csv"), ["junk.csv", "binary data"]),
    ("header_only_csv", preds("header_only.csv"), ["header_only.csv", "no data rows"]),
    ("wrong_delimiter_colon", preds("colon.csv"), ["colon.csv", "read as a single column", "':'", "delimiter"]),
    ("mixed_delimiters", preds("mixed_delimiters.csv"), ["mixed_delimiters.csv", "delimiter"]),
    ("ragged_rows", preds("ragged.csv"), ["ragged.csv", "Expected 8 fields in line 18, saw 10", "same number of fields"]),
    ("duplicate_column_names", preds("duplicate_columns.csv"), ["duplicate column names: race"]),
    ("data_missing", preds("nope.csv"), ["not found", "nope.csv"]),
    ("data_is_folder", preds("a_folder"), ["a_folder", "is a folder"]),
    ("parquet_truncated", preds("truncated.parquet"), ["truncated.parquet", "Parquet", "truncated"]),
    ("excel_wrong_sheet", preds("book.xlsx", "--sheet", "Sheet1"), ["Sheet 'Sheet1'", "evaluation, README"]),
    ("excel_not_a_workbook", preds("fake.xlsx"), ["fake.xlsx", "not a readable Excel workbook"]),
    ("sheet_given_for_csv", preds("good.csv", "--sheet", "evaluation"), ["--sheet 'evaluation'", "good.csv is a CSV file"]),
    ("json_as_data", preds("xgb_regression.json"), ["xgb_regression.json holds JSON, not a table", "--model"]),
    ("skops_model_as_data", preds("good_model.skops"), ["good_model.skops is a skops model file, not a dataset", "--model"]),
    ("pickle_as_data", preds("evil.pkl"), ["evil.pkl is not a text table", "--model"]),
    # --- target
    ("unknown_target", preds("good.csv", target="aproved"), ["target column 'aproved'", "Did you mean 'approved'"]),
    ("target_one_class", preds("one_class.csv"), ["'approved' has a single class", "1"]),
    ("target_three_classes", preds("three_classes.csv"), ["'approved' has 3 classes (0, 1, 2)", "binary"]),
    ("target_all_missing", preds("target_all_missing.csv"), ["'approved' is empty in every row"]),
    (
        "target_needs_positive_label",
        [*preds("text_target.csv"), NO_LABEL],
        ["favourable outcome", "'approved'", "'denied'", "--positive-label"],
    ),
    # 0/1 does not say which is favourable either (1 may be "flagged as high risk"): it must be declared
    (
        "favourable_outcome_not_declared",
        [*preds("good.csv"), NO_LABEL],
        ["Which value of 'approved' is the favourable outcome?", "0, 1", "--positive-label VALUE", "policy file"],
    ),
    (
        "positive_label_not_in_target",
        preds("good.csv", "--positive-label", "yes"),
        ["'yes' does not occur in 'approved'", "0", "1"],
    ),
    (
        "sensitive_is_target",
        ["--data", "{d}/good.csv", "--target", "approved", "--sensitive", "sex,approved", "--predictions", "pred"],
        ["'approved' is both the target and a sensitive feature"],
    ),
    # --- decisions and scores
    ("predictions_not_binary", preds("pred_three_values.csv"), ["'pred' is not binary", "3 distinct values", "--scores"]),
    ("predictions_with_nan", preds("pred_nan.csv"), ["'pred' has 6 missing value(s)"]),
    ("predictions_labels_mismatch", preds("pred_yes_no.csv"), ["'pred' uses values", "'yes'", "'no'", "target's values"]),
    ("unknown_predictions_column", preds("good.csv", pred="prediction"), ["predictions column 'prediction' is not in", "pred"]),
    ("scores_nan", preds("scores_nan.csv", "--scores", "score"), ["column 'score'", "5 missing or NaN"]),
    (
        "scores_outside_0_1",
        preds("scores_percent.csv", "--scores", "score"),
        ["column 'score' run from 6.44 to 97.77, outside [0, 1]"],
    ),
    (
        "scores_not_numbers",
        preds("scores_text.csv", "--scores", "score"),
        ["column 'score' are not all numbers: 4 value(s) such as 'high'"],
    ),
    ("scores_decimal_comma", preds("decimal_comma.csv", "--scores", "score"), ["not all numbers", "'0,", "decimal commas"]),
    ("scores_without_predictions", model("good_model.skops", "--scores", "score"), ["--scores goes with --predictions"]),
    (
        "threshold_out_of_range",
        model("good_model.skops", "--threshold", "50"),
        ["--threshold 50.0 is not a probability", "between 0 and 1"],
    ),
    ("threshold_with_predictions", preds("good.csv", "--threshold", "0.3"), ["--threshold applies to a model's scores"]),
    # --- sensitive features and references
    (
        "sensitive_missing",
        ["--data", "{d}/good.csv", "--target", "approved", "--sensitive", "sex,gender", "--predictions", "pred"],
        ["sensitive column 'gender' is not in the dataset"],
    ),
    (
        "sensitive_named_twice",
        ["--data", "{d}/good.csv", "--target", "approved", "--sensitive", "sex,race,sex", "--predictions", "pred"],
        ["named more than once: sex"],
    ),
    ("max_order_zero", preds("good.csv", "--max-order", "0"), ["--max-order 0 would audit no groups"]),
    (
        "sensitive_constant",
        ["--data", "{d}/sensitive_constant.csv", "--target", "approved", "--sensitive", "sex,region", "--predictions", "pred"],
        ["'region' has a single value ('North')"],
    ),
    ("group_value_empty_string", preds("empty_string_group.parquet"), ["'race' has 8 row(s) whose value is an empty string"]),
    ("group_value_blank_in_csv", preds("blank_group.csv"), ["'race' has 8 row(s) whose value is an empty string"]),
    (
        "reference_not_in_data",
        preds("good.csv", "--reference", "race=Martian"),
        ["race='Martian' does not occur", "Asian, Black, White"],
    ),
    (
        "reference_not_sensitive",
        preds("good.csv", "--reference", "region=North"),
        ["'region', which is not a sensitive feature", "sex, race"],
    ),
    ("reference_bad_syntax", preds("good.csv", "--reference", "race"), ["--reference 'race' is not COL=VALUE"]),
    # --- policy, context, options
    ("unknown_policy_name", preds("good.csv", "--policy", "four_fiths"), ["Unknown policy four_fiths", "four_fifths"]),
    ("policy_file_missing", preds("good.csv", "--policy", "{d}/ours.toml"), ["Policy file not found", "ours.toml"]),
    ("policy_invalid_toml", preds("good.csv", "--policy", "{d}/broken.toml"), ["broken.toml is not valid TOML", "line 2"]),
    ("policy_unknown_metric", preds("good.csv", "--policy", "{d}/unknown_metric.toml"), ["unknown metric 'recall'", "tpr"]),
    ("policy_no_checks", preds("good.csv", "--policy", "{d}/no_checks.toml"), ["no_checks.toml declares no checks"]),
    ("policy_check_without_threshold", preds("good.csv", "--policy", "{d}/no_threshold.toml"), ["check 'sr' needs a threshold"]),
    ("context_invalid_toml", preds("good.csv", "--context", "{d}/context_broken.toml"), ["context_broken.toml cannot be used"]),
    ("context_unknown_field", preds("good.csv", "--context", "{d}/context_unknown_field.toml"), ["owner", "intended_purpose"]),
    ("ci_level_out_of_range", preds("good.csv", "--ci-level", "95"), ["ci_level must be between 0.5 and 1"]),
    # --- model files
    ("model_missing", model("nope.skops"), ["Model file not found", "nope.skops"]),
    ("model_is_folder", model("a_folder"), ["a_folder is a folder, not a model file"]),
    ("model_empty_file", model("empty.csv"), ["empty.csv is empty (0 bytes)"]),
    ("model_is_csv", model("good.csv"), ["Cannot tell what kind of model good.csv is", "skops"]),
    ("model_expects_absent_features", model("needs_credit_score.skops"), ["not in the dataset: credit_score"]),
    ("model_raises_on_predict", model("raises.pkl", "--trust-pickle"), ["failed while scoring", "licence server unreachable"]),
    (
        "model_feature_is_text",
        model("good_model.skops", data="income_text.csv"),
        ["failed while scoring", "'unknown'", "income (text"],
    ),
    (
        "model_feature_has_missing_values",
        model("good_model.skops", data="income_missing.csv"),
        ["failed while scoring", "contains NaN", "income (10 missing)"],
    ),
    ("model_not_a_model", model("not_a_model.pkl", "--trust-pickle"), ["(dict) is not a model", "no predict()"]),
    ("untrusted_pickle", model("evil.pkl"), ["evil.pkl is a pickle/joblib file", "SHA-256", "--trust-pickle"]),
    (
        "skops_unknown_types",
        model("foreign_types.skops"),
        ["acme_vendor_models.Passthrough", "--trust-type acme_vendor_models.Passthrough"],
    ),
    ("skops_truncated", model("truncated.skops"), ["truncated.skops", "damaged"]),
    ("zip_not_skops", model("not_skops.skops"), ["not_skops.skops is a zip archive but not a skops model"]),
    ("regression_model", model("regressor.skops"), ["LinearRegression", "regressor", "binary classifiers only"]),
    ("multiclass_model", model("multiclass.skops"), ["multiclass", "'Asian'", "binary classifiers only"]),
    ("model_without_feature_names", model("no_feature_names.skops"), ["without column names"]),
    (
        "positive_label_not_in_model",
        model("good_model.skops", "--positive-label", "approved", data="text_target.csv"),
        ["positive label 'approved'", "[0, 1]"],
    ),
    ("lightgbm_regression", model("lgb_regression.txt"), ["LightGBM model's objective is 'regression'", "binary"]),
    ("lightgbm_truncated", model("lgb_truncated.txt"), ["lgb_truncated.txt is an incomplete LightGBM model", "'end of trees'"]),
    ("lightgbm_cut_in_parameters", model("lgb_cut_in_parameters.txt"), ["incomplete LightGBM model", "'end of parameters'"]),
    ("xgboost_ubj_truncated", model("xgb_truncated.ubj"), ["xgb_truncated.ubj is a damaged XGBoost UBJSON model"]),
    ("xgboost_regression", model("xgb_regression.json"), ["XGBoost model's objective is 'reg:squarederror'"]),
    ("xgboost_without_feature_names", model("xgb_no_names.json"), ["no feature names"]),
    ("onnx_tensor_without_names", model("tensor_only.onnx"), ["2-column tensor", "feature_names"]),
    ("onnx_truncated", model("truncated.onnx"), ["truncated.onnx is not a readable ONNX model"]),
]


def _argv(row_argv: list[str], d: Path, out: Path) -> list[str]:
    """The full command line; the corpus's targets are 0/1 with 1 favourable, so that is declared unless the row
    declares its own label or is marked NO_LABEL."""
    label = [] if NO_LABEL in row_argv or "--positive-label" in row_argv else ["--positive-label", "1"]
    args = [a.replace("{d}", str(d)) for a in row_argv if a != NO_LABEL]
    return ["audit", *args, *label, "--json", str(out), "--quiet"]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.mark.parametrize("argv, expected", [pytest.param(a, e, id=i) for i, a, e in BAD])
def test_bad_input_gives_clear_error(argv, expected, corpus, tmp_path, capsys):
    out = tmp_path / "result.json"
    rc, _, err = run_cli(_argv(argv, corpus, out), capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    assert rc == 2, f"exit {rc}\n{err}"
    assert err.startswith("error: "), err
    assert "How to fix: " in err, err
    for s in expected:
        assert s in err, f"{s!r} missing from:\n{err}"
    assert not out.exists(), "no result may be written for a refused audit"


def test_corpus_is_large_enough():
    assert len(BAD) >= 25
    assert len({i for i, _, _ in BAD}) == len(BAD)


# ---------------------------------------------------------------- the untrusted pickle is never run


def test_untrusted_pickle_is_not_executed(fresh_pickle, corpus, tmp_path, capsys):
    from audit.hashing import sha256_file

    marker = fresh_pickle.parent / "pickle_was_executed.txt"
    rc, _, err = run_cli(_argv(model(str(fresh_pickle)), corpus, tmp_path / "r.json"), capsys)
    assert rc == 2
    assert not marker.exists(), "the pickle ran although it was not trusted"
    assert sha256_file(fresh_pickle) in err
    assert "--trust-pickle" in err


def test_trusted_pickle_does_run_so_the_marker_test_is_meaningful(fresh_pickle, corpus, tmp_path, capsys):
    marker = fresh_pickle.parent / "pickle_was_executed.txt"
    rc, _, err = run_cli(_argv(model(str(fresh_pickle), "--trust-pickle"), corpus, tmp_path / "r.json"), capsys)
    assert marker.exists(), "the marker pickle should run once the user trusts it"
    assert rc == 2 and "(NoneType) is not a model" in err, err


# ---------------------------------------------------------------- good-input controls: odd but valid files load


GOOD = [
    (
        "latin1_csv",
        ["--data", "{d}/latin1.csv", "--target", "approved", "--sensitive", "region", "--predictions", "pred"],
        {"Île-de-France", "Provence-Alpes-Côte d'Azur", "Bourgogne-Franche-Comté"},
    ),
    ("semicolon_csv", preds("semicolon.csv"), {"Female", "Asian"}),
    ("tab_separated", preds("tab.tsv"), {"Female", "Asian"}),
    ("excel_named_sheet", preds("book.xlsx", "--sheet", "evaluation"), {"Female", "Asian"}),
    ("parquet_with_scores", preds("good.parquet", "--scores", "score"), {"Female", "Asian"}),
    ("text_target_with_positive_label", preds("text_target.csv", "--positive-label", "approved"), {"Male"}),
    ("skops_model", model("good_model.skops"), {"White"}),
    ("skops_with_trusted_vendor_type", model("foreign_types.skops", "--trust-type", "acme_vendor_models.Passthrough"), {"White"}),
    ("lightgbm_model", model("lgb_binary.txt"), {"White"}),
    ("xgboost_ubj_model", model("xgb_binary.ubj"), {"White"}),
]


@pytest.mark.parametrize("argv, groups", [pytest.param(a, g, id=i) for i, a, g in GOOD])
def test_valid_but_unusual_input_loads(argv, groups, corpus, tmp_path, capsys):
    out = tmp_path / "result.json"
    rc, _, err = run_cli(_argv([*argv, "--bootstrap", "50"], corpus, out), capsys)
    assert rc in (0, 1), f"exit {rc}\n{err}"  # 0 pass, 1 a check failed or lacked evidence: both are completed audits
    assert "Traceback" not in err
    result = json.loads(out.read_text(encoding="utf-8"))
    seen = {v for g in result["groups"] for v in g["attributes"].values()}
    assert groups <= seen, seen
