"""The bad-input corpus: every file is generated here, once per session, from code (tiny models, a few hundred rows).

`build_corpus(folder)` writes all files into one folder; test rows refer to them as `{d}/name`.
"""

from __future__ import annotations

import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

N = 240
SEED = 7
EXEC_MARKER = "pickle_was_executed.txt"


def good_frame(n: int = N, seed: int = SEED) -> pd.DataFrame:
    """A clean predictions-style evaluation set: two numeric features, three sensitive columns, target, decisions, scores."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    income = np.round(rng.gamma(4.0, 12_000.0, n), 2)
    sex = rng.choice(["Female", "Male"], n)
    race = rng.choice(["Asian", "Black", "White"], n)
    region = rng.choice(["North", "South"], n)
    logit = (income - 48_000) / 20_000 + (age - 45) / 30
    score = np.round(1 / (1 + np.exp(-logit)), 4)
    approved = (rng.random(n) < score).astype(int)
    pred = (score >= 0.5).astype(int)
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "sex": sex,
            "race": race,
            "region": region,
            "approved": approved,
            "pred": pred,
            "score": score,
        }
    )


# ---------------------------------------------------------------- tiny models


def _fit_lr(X: pd.DataFrame, y):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=500).fit(X, y)


def _skops_dump(obj, path: Path) -> None:
    import skops.io as sio

    sio.dump(obj, path)


class _ExecOnLoad:
    """Unpickling this runs `exec(code)`: a stand-in for a malicious model file."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self):
        import builtins

        return (builtins.exec, (self.code,))


VENDOR_MODULE = "acme_vendor_models"
VENDOR_SOURCE = '''
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class ExplodingClassifier:
    """A fitted-looking binary classifier whose predict always fails."""

    def __init__(self):
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(["age", "income"], dtype=object)

    def predict(self, X):
        raise RuntimeError("vendor model crashed: licence server unreachable")

    def predict_proba(self, X):
        raise RuntimeError("vendor model crashed: licence server unreachable")


class Passthrough(TransformerMixin, BaseEstimator):
    """A vendor's own preprocessing step: a type skops does not know."""

    def fit(self, X, y=None):
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X):
        return X
'''


def _models(d: Path, df: pd.DataFrame) -> None:
    import lightgbm as lgb
    import xgboost as xgb
    from sklearn.linear_model import LinearRegression, LogisticRegression

    X = df[["age", "income"]]
    y = df["approved"]
    good = _fit_lr(X, y)
    _skops_dump(good, d / "good_model.skops")

    # Trained with a feature the evaluation data lacks.
    X3 = X.assign(credit_score=np.arange(len(X)) % 7)
    _skops_dump(_fit_lr(X3, y), d / "needs_credit_score.skops")

    # Regression and multiclass estimators.
    _skops_dump(LinearRegression().fit(X, df["score"]), d / "regressor.skops")
    _skops_dump(LogisticRegression(max_iter=500).fit(X, df["race"]), d / "multiclass.skops")

    # Fitted on a bare array: no feature names to match against the dataset.
    _skops_dump(_fit_lr(X.to_numpy(), y), d / "no_feature_names.skops")

    # skops file holding a type from outside sklearn/numpy/scipy: a vendor's own pipeline step.
    from sklearn.pipeline import Pipeline

    vendor = _vendor_module(d)
    _skops_dump(
        Pipeline([("prep", vendor.Passthrough()), ("lr", LogisticRegression(max_iter=500))]).fit(X, y), d / "foreign_types.skops"
    )

    # Truncated files.
    raw = (d / "good_model.skops").read_bytes()
    (d / "truncated.skops").write_bytes(raw[: len(raw) // 2])

    # A zip that is not a skops file.
    with zipfile.ZipFile(d / "not_skops.skops", "w") as zf:
        zf.writestr("model.txt", "hello")

    # Pickles: one that runs code when loaded, one holding a non-model object, one whose predict raises.
    marker = d / EXEC_MARKER
    (d / "evil.pkl").write_bytes(pickle.dumps(_ExecOnLoad(f"open({str(marker)!r}, 'w').write('pwned')")))
    (d / "not_a_model.pkl").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    (d / "raises.pkl").write_bytes(pickle.dumps(vendor.ExplodingClassifier()))

    # LightGBM / XGBoost: regression objectives, a truncated text model.
    lgb.LGBMRegressor(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(X, df["score"]).booster_.save_model(
        str(d / "lgb_regression.txt")
    )
    lgb.LGBMClassifier(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(X, y).booster_.save_model(
        str(d / "lgb_binary.txt")
    )
    text = (d / "lgb_binary.txt").read_text()
    (d / "lgb_truncated.txt").write_text(text[: len(text) // 3])
    # Cut inside the parameters block, after "end of trees": this one made LightGBM segfault the whole process.
    (d / "lgb_cut_in_parameters.txt").write_text(text[: text.index("end of parameters") - 200])
    xgb.XGBRegressor(n_estimators=5, max_depth=2).fit(X, df["score"]).get_booster().save_model(str(d / "xgb_regression.json"))
    xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X.to_numpy(), y).get_booster().save_model(str(d / "xgb_no_names.json"))
    xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y).get_booster().save_model(str(d / "xgb_binary.ubj"))
    raw = (d / "xgb_binary.ubj").read_bytes()
    (d / "xgb_truncated.ubj").write_bytes(raw[: len(raw) * 2 // 3])

    # ONNX: one float tensor input with no feature names, and a truncated file.
    from skl2onnx import to_onnx

    onx = to_onnx(
        _fit_lr(X.to_numpy().astype(np.float32), y),
        X.to_numpy()[:1].astype(np.float32),
        options={"zipmap": False},
        target_opset=17,
    )
    (d / "tensor_only.onnx").write_bytes(onx.SerializeToString())
    (d / "truncated.onnx").write_bytes(onx.SerializeToString()[:200])


def _vendor_module(d: Path):
    """A third-party module in the corpus folder (importable while the corpus fixture is active)."""
    import importlib

    (d / f"{VENDOR_MODULE}.py").write_text(VENDOR_SOURCE, encoding="utf-8")
    if str(d) not in sys.path:
        sys.path.insert(0, str(d))
    return importlib.import_module(VENDOR_MODULE)


# ---------------------------------------------------------------- data files


def _data(d: Path, df: pd.DataFrame) -> None:
    df.to_csv(d / "good.csv", index=False)
    (d / "empty.csv").write_bytes(b"")
    (d / "blank.csv").write_text("\n  \n\n", encoding="utf-8")
    (d / "junk.csv").write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (d / "header_only.csv").write_text(",".join(df.columns) + "\n", encoding="utf-8")
    df.to_csv(d / "colon.csv", index=False, sep=":")
    # Header separated by semicolons, rows by commas: no single delimiter fits.
    body = df.to_csv(index=False).splitlines()
    (d / "mixed_delimiters.csv").write_text("\n".join([body[0].replace(",", ";"), *body[1:]]) + "\n", encoding="utf-8")
    lines = df.to_csv(index=False).splitlines()
    lines[17] += ",extra,fields"
    (d / "ragged.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dup = df.to_csv(index=False).splitlines()
    dup[0] = dup[0].replace("region", "race")
    (d / "duplicate_columns.csv").write_text("\n".join(dup) + "\n", encoding="utf-8")

    df.assign(approved=1).to_csv(d / "one_class.csv", index=False)
    df.assign(approved=np.arange(len(df)) % 3).to_csv(d / "three_classes.csv", index=False)
    df.assign(approved=np.where(df.approved == 1, "approved", "denied")).to_csv(d / "text_target.csv", index=False)
    df.assign(approved=np.nan).to_csv(d / "target_all_missing.csv", index=False)
    df.assign(pred=np.arange(len(df)) % 3).to_csv(d / "pred_three_values.csv", index=False)
    df.assign(pred=df.pred.astype(float).where(np.arange(len(df)) % 40 != 5)).to_csv(d / "pred_nan.csv", index=False)
    df.assign(pred=np.where(df.pred == 1, "yes", "no")).to_csv(d / "pred_yes_no.csv", index=False)
    df.assign(score=df.score.where(np.arange(len(df)) % 50 != 3)).to_csv(d / "scores_nan.csv", index=False)
    df.assign(score=df.score * 100).to_csv(d / "scores_percent.csv", index=False)
    df.assign(score=np.where(np.arange(len(df)) % 60 == 0, "high", df.score.astype(str))).to_csv(
        d / "scores_text.csv", index=False
    )
    df.assign(region="North").to_csv(d / "sensitive_constant.csv", index=False)
    # An empty string is a real value in Parquet; in a CSV an empty field is a missing value, but a blank one is not.
    df.assign(race=np.where(np.arange(len(df)) % 30 == 4, "", df.race)).to_parquet(d / "empty_string_group.parquet", index=False)
    df.assign(race=np.where(np.arange(len(df)) % 30 == 4, "  ", df.race)).to_csv(d / "blank_group.csv", index=False)
    every_25th = np.arange(len(df)) % 25 == 0
    df.assign(income=np.where(every_25th, "n/a", df.income.astype(str))).to_csv(d / "income_missing.csv", index=False)
    df.assign(income=np.where(every_25th, "unknown", df.income.astype(str))).to_csv(d / "income_text.csv", index=False)
    df.assign(score=df.score.map(lambda v: f"{v:.4f}".replace(".", ","))).to_csv(d / "decimal_comma.csv", index=False, sep=";")

    # Controls that must load: Latin-1 text with accented group names, and a semicolon-delimited export.
    rng = np.random.default_rng(3)
    accents = df.assign(region=rng.choice(["Île-de-France", "Provence-Alpes-Côte d'Azur", "Bourgogne-Franche-Comté"], len(df)))
    accents.to_csv(d / "latin1.csv", index=False, encoding="latin-1")
    df.to_csv(d / "semicolon.csv", index=False, sep=";")
    df.to_csv(d / "tab.tsv", index=False, sep="\t")

    # Parquet: truncated.
    df.to_parquet(d / "good.parquet", index=False)
    raw = (d / "good.parquet").read_bytes()
    (d / "truncated.parquet").write_bytes(raw[: len(raw) // 2])

    # Excel: a workbook with a named sheet, and a file with the zip magic that is no workbook.
    with pd.ExcelWriter(d / "book.xlsx", engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="evaluation", index=False)
        pd.DataFrame({"note": ["read me"]}).to_excel(xw, sheet_name="README", index=False)
    with zipfile.ZipFile(d / "fake.xlsx", "w") as zf:
        zf.writestr("hello.txt", "not a workbook")

    (d / "a_folder").mkdir()


def _policies(d: Path) -> None:
    (d / "broken.toml").write_text('name = "ours"\n[[checks]\nid = "x"\n', encoding="utf-8")
    (d / "unknown_metric.toml").write_text(
        'name = "ours"\n[[checks]]\nid = "recall_gap"\nmetric = "recall"\ncompare = "difference"\nmin = -0.1\nmax = 0.1\n',
        encoding="utf-8",
    )
    (d / "no_checks.toml").write_text('name = "ours"\ndescription = "forgot the checks"\n', encoding="utf-8")
    (d / "no_threshold.toml").write_text(
        'name = "ours"\n[[checks]]\nid = "sr"\nmetric = "selection_rate"\ncompare = "ratio"\n', encoding="utf-8"
    )
    (d / "context_broken.toml").write_text('system_name = "Loans\n', encoding="utf-8")
    (d / "context_unknown_field.toml").write_text('system_name = "Loans"\nowner = "me"\n', encoding="utf-8")


def build_corpus(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    df = good_frame()
    _data(d, df)
    _policies(d)
    _models(d, df)
    return d


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    d = build_corpus(tmp_path_factory.mktemp("bad_inputs"))
    yield d
    if str(d) in sys.path:
        sys.path.remove(str(d))
    sys.modules.pop(VENDOR_MODULE, None)


@pytest.fixture
def fresh_pickle(tmp_path: Path, corpus: Path) -> Path:
    """A private copy of the code-running pickle whose marker file lands in this test's own folder."""
    marker = tmp_path / EXEC_MARKER
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_ExecOnLoad(f"open({str(marker)!r}, 'w').write('pwned')")))
    return path
