"""The set-up page's "Engine" choice: what computes the audit's statistics (audit/engines). Automatic picks DuckDB for
a predictions-only Parquet/CSV file of 256 MB or more and the in-memory engine otherwise; Spark is offered only when
pyspark is installed (the `spark` extra). The choice goes into the audit draft and the request (`engine`)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout

CHOICES = (
    ("Automatic (DuckDB for large files of decisions)", "auto"),
    ("In memory", "numpy"),
    ("DuckDB (out of core; decisions in the file)", "duckdb"),
)
SPARK = ("Spark (local; the spark extra is installed)", "spark")


def add_engine_row(lay: QFormLayout) -> QComboBox:
    """Add the "Engine" row to `lay` and return its combo box (data: the engine's name, as `--engine` takes it)."""
    from audit.engines import spark_available

    combo = QComboBox()
    combo.setObjectName("engine")
    combo.setAccessibleName("Engine that computes the statistics")
    for text, name in CHOICES + ((SPARK,) if spark_available() else ()):
        combo.addItem(text, name)
    combo.setToolTip("What reads the data and computes the statistics; every engine gives the same figures.")
    lay.addRow("Engine", combo)
    return combo


def set_engine(combo: QComboBox, name: str) -> None:
    """Show a draft's engine; one not offered here (Spark without pyspark) falls back to automatic."""
    idx = combo.findData(name)
    combo.setCurrentIndex(idx if idx >= 0 else combo.findData("auto"))
