"""Copy what is selected in a table or tree as tab-separated text (Ctrl+C), so it pastes into a spreadsheet as cells.

Rows and columns come in the order the user sees them (after sorting, filtering and moving columns), not the model's;
cells between selected ones that are not selected stay empty, as a spreadsheet would paste them. "Copy with headers"
(Ctrl+Shift+C, and in the right-click menu) puts the column titles on the first line.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView

# Ctrl+Shift+C copies with the column headers
COPY_WITH_HEADERS = QKeyCombination(Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_C)


def _clean(text: object) -> str:
    """One cell of TSV: tabs and line breaks inside a cell would split it, so they become spaces."""
    s = "" if text is None else str(text)
    return s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")


def _column_header(view: QAbstractItemView) -> QHeaderView | None:
    if isinstance(view, QTableView):
        return view.horizontalHeader()
    if isinstance(view, QTreeView):
        return view.header()
    return None


def _row_key(view: QAbstractItemView, index: QModelIndex) -> tuple[float, ...]:
    """Where a row is on screen, top to bottom: a table's row by its vertical header, a tree's by its place on screen
    (a child after its parent)."""
    if isinstance(view, QTableView):
        return (view.verticalHeader().visualIndex(index.row()),)
    rect = view.visualRect(index.siblingAtColumn(0))
    path: list[int] = []
    i = index.siblingAtColumn(0)
    while i.isValid():  # tree position as a fallback for rows scrolled out of view
        path.insert(0, i.row())
        i = i.parent()
    return (rect.top(), *path) if rect.isValid() and not rect.isEmpty() else (float("inf"), *path)


def selection_tsv(view: QAbstractItemView, *, headers: bool = False) -> str:
    """The selected cells of `view` as TSV, in view order; "" when nothing is selected."""
    sel = view.selectionModel()
    if sel is None:
        return ""
    indexes = [i for i in sel.selectedIndexes() if i.isValid()]
    if not indexes:
        return ""
    header = _column_header(view)

    def col_pos(c: int) -> int:
        return header.visualIndex(c) if header is not None else c

    def hidden(c: int) -> bool:
        return header.isSectionHidden(c) if header is not None else False

    cols = sorted({i.column() for i in indexes if not hidden(i.column())}, key=col_pos)
    rows: dict[tuple[int, int, int], dict[int, str]] = {}
    row_keys: dict[tuple[int, int, int], tuple[float, ...]] = {}
    for i in indexes:
        if hidden(i.column()):
            continue
        rid = (i.row(), i.parent().internalId() if i.parent().isValid() else -1, i.parent().row())
        rows.setdefault(rid, {})[i.column()] = _clean(i.data(Qt.ItemDataRole.DisplayRole))
        row_keys.setdefault(rid, _row_key(view, i))
    lines = []
    if headers:
        model = view.model()
        lines.append("\t".join(_clean(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)) for c in cols))
    for rid in sorted(rows, key=lambda r: row_keys[r]):
        lines.append("\t".join(rows[rid].get(c, "") for c in cols))
    return "\n".join(lines) + "\n"


def copy_selection(view: QAbstractItemView, *, headers: bool = False) -> str:
    """Put the selection on the clipboard (plain text); returns what was copied."""
    text = selection_tsv(view, headers=headers)
    if text:
        QGuiApplication.clipboard().setText(text)
    return text


class _CopyKeys(QObject):
    """Qt's item views take Ctrl+C themselves (and copy the current cell only), before any shortcut sees it; this
    filter answers the key first."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(event, QKeyEvent):
            with_headers = event.keyCombination() == COPY_WITH_HEADERS
            if event.matches(QKeySequence.StandardKey.Copy) or with_headers:
                if event.type() == QEvent.Type.KeyPress:
                    copy_selection(self._view, headers=with_headers)
                event.accept()
                return True
        return False


def install_copy(view: QAbstractItemView) -> None:
    """Ctrl+C (copy) and Ctrl+Shift+C (copy with headers) on `view`, also in its right-click menu; a single click still
    selects a row, Shift/Ctrl+click extends the selection."""
    if view.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection:
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    for text, keys, headers, name in (
        ("&Copy", QKeySequence.StandardKey.Copy, False, "copy"),
        ("Copy with &headers", QKeySequence("Ctrl+Shift+C"), True, "copy_with_headers"),
    ):
        action = QAction(text, view)
        action.setObjectName(f"{view.objectName()}_{name}")
        action.setShortcut(QKeySequence(keys))  # shown in the menu; the key itself is answered by _CopyKeys
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # this table only, not the window's
        action.triggered.connect(lambda _=False, h=headers: copy_selection(view, headers=h))
        view.addAction(action)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    view.installEventFilter(_CopyKeys(view))
