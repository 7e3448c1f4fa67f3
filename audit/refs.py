"""References to the files an audit used: what they were, where, and their SHA-256."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base of every result type: immutable, strict about unknown fields, JSON round-trip via pydantic."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnInfo(Frozen):
    name: str
    dtype: str
    missing: int


class DatasetRef(Frozen):
    path: str
    format: str  # csv | parquet | excel
    sha256: str
    size_bytes: int
    rows: int
    columns: tuple[ColumnInfo, ...]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    table: str | None = None  # the table of a DuckDB database file (--table)


class ModelRef(Frozen):
    path: str
    format: str  # skops | pickle | joblib | onnx | lightgbm | xgboost
    sha256: str
    size_bytes: int
    model_type: str  # e.g. "sklearn.pipeline.Pipeline(HistGradientBoostingClassifier)"
    family: str  # tree | linear | other: what the explainer chooser keys on
    features: tuple[str, ...]
    classes: tuple[str, ...]
    positive_class: str
    has_scores: bool
    trusted: bool  # the user explicitly trusted code or types in this file
    trusted_types: tuple[str, ...] = ()
    library_versions: dict[str, str] = {}
