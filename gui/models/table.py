"""`RecordTableModel`: a read-only QAbstractTableModel over a list of records, described by `Column`s.

`data()` only calls the column's small functions for the cells being painted, so 10k+ rows cost nothing until seen.
Sorting goes through `SORT_ROLE` (numbers sort as numbers, None last) with a `QSortFilterProxyModel`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor

T = TypeVar("T")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str | None] | None = None
    background: Callable[[T], QColor | None] | None = None
    foreground: Callable[[T], QColor | None] | None = None
    numeric: bool = False
    header_tip: str = ""


class RecordTableModel(QAbstractTableModel, Generic[T]):
    def __init__(self, columns: Sequence[Column[T]], rows: Sequence[T] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = list(rows)

    # -- data --------------------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[T], columns: Sequence[Column[T]] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if columns is not None:
            self._columns = list(columns)
        self.endResetModel()

    def record(self, row: int) -> T:
        return self._rows[row]

    @property
    def records(self) -> list[T]:
        return self._rows

    @property
    def columns(self) -> list[Column[T]]:
        return self._columns

    # -- Qt ----------------------------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            col = self._columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return col.title
            if role == Qt.ItemDataRole.ToolTipRole and col.header_tip:
                return col.header_tip
        elif orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rec = self._rows[index.row()]
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return col.text(rec)
        if role == SORT_ROLE:
            key = col.sort(rec) if col.sort else col.text(rec)
            return _sortable(key)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip:
            return col.tooltip(rec)
        if role == Qt.ItemDataRole.BackgroundRole and col.background:
            return col.background(rec)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground:
            return col.foreground(rec)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RECORD_ROLE:
            return rec
        return None


def _sortable(key: Any) -> Any:
    if key is None:
        return float("inf")  # undefined values sort last (ascending)
    if isinstance(key, bool):
        return int(key)
    return key


class SortProxy(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE`; an optional predicate filters rows by their record."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._predicate: Callable[[Any], bool] | None = None

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9: invalidateFilter() is deprecated
            self.beginFilterChange()
            self._predicate = predicate
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._predicate = predicate
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._predicate is not None:
            src = self.sourceModel()
            if isinstance(src, RecordTableModel) and not self._predicate(src.record(source_row)):
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def lessThan(self, left: _Index, right: _Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        try:
            return bool(a < b)  # sort keys of any comparable type (numbers, text, times)
        except TypeError:
            return str(a) < str(b)
