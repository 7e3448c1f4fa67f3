"""The Drift and Monitoring pages' "Engine" choice, as on the set-up page (gui/views/setup_engine.py), and how a result
says which engine produced it. The names are `attest drift/monitor --engine`'s: Automatic picks DuckDB for a Parquet
or CSV file of 256 MB or more (logged decisions or a model, calendar windows or windows of N rows), else in memory
(audit/lifecycle/ooc_run.py `choose_engine`). A DuckDB result with a column of too many distinct values to count each
compares fine histograms: its Wasserstein distance and KS statistic then come with bounds (`wasserstein_bound`,
`ks_bound`), shown beside the distances."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout

from gui.views.common import labelled_combo

CHOICES = (
    ("Automatic (DuckDB for large files of decisions)", "auto"),
    ("In memory", "memory"),
    ("DuckDB (out of core)", "duckdb"),
)
NAMES = {"memory": "in memory (pandas)", "duckdb": "DuckDB (out of core)"}
TIP = (
    "What reads the files: in memory, or DuckDB, which reads them in pieces (for files larger than memory; "
    "scores and decisions must be columns of the files). Both give the same figures; with very many distinct "
    "values DuckDB compares fine histograms and states how far off the distances can be."
)


def add_engine_picker(bar: QHBoxLayout, page: str) -> QComboBox:
    """The "Engine" picker with its label, added to `bar` (the page's button row: the window keeps its height)."""
    combo = labelled_combo(bar, f"{page}_engine", "&Engine", "Engine that reads the files", CHOICES)
    combo.setToolTip(TIP)
    return combo


def set_engine(combo: QComboBox, name: Any) -> None:
    """Show a saved form's engine; a form saved before the choice existed (or naming another engine) is Automatic."""
    idx = combo.findData(name) if isinstance(name, str) else -1
    combo.setCurrentIndex(idx if idx >= 0 else combo.findData("auto"))


def engine_of(combo: QComboBox) -> str:
    return str(combo.currentData() or "auto")


def engine_html(engine: str) -> str:
    return f"<p><b>Engine:</b> {escape(NAMES.get(engine, engine))}</p>"


def has_bounds(f: Any) -> bool:
    return getattr(f, "wasserstein_bound", None) is not None or getattr(f, "ks_bound", None) is not None


def bound_text(f: Any) -> str:
    """A binned feature's distances with their bounds: the true Wasserstein distance within ± the bound of the
    reported one, the true KS statistic between the reported one and it plus the bound; "exact" otherwise."""
    if not has_bounds(f):
        return "exact"
    parts = []
    w, wb = getattr(f, "wasserstein", None), getattr(f, "wasserstein_bound", None)
    if wb is not None:
        parts.append(f"W {w:.4g} ± {wb:.2g}" if w is not None else f"W ± {wb:.2g}")
    ks, kb = getattr(f, "ks_statistic", None), getattr(f, "ks_bound", None)
    if kb is not None:
        parts.append(f"KS {ks:.3f} to {ks + kb:.3f}" if ks is not None else f"KS + {kb:.2g}")
    return " · ".join(parts)


def bounds_html(features: Iterable[Any]) -> str:
    """One line naming the binned features and their largest bounds (over windows and groups, for monitoring)."""
    worst: dict[str, tuple[float, float]] = {}
    for f in features:
        if has_bounds(f):
            w0, k0 = worst.get(f.name, (0.0, 0.0))
            worst[f.name] = (max(w0, f.wasserstein_bound or 0.0), max(k0, f.ks_bound or 0.0))
    if not worst:
        return ""
    items = "; ".join(
        f"{escape(n)}: Wasserstein within ± {w:.2g}, KS statistic up to {k:.2g} higher" for n, (w, k) in worst.items()
    )
    return f"<p><b>Compared on fine histograms</b> (too many distinct values to count each): {items}.</p>"
