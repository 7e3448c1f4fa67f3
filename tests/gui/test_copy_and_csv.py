"""Tables copy the selected rows as TSV in view order (Ctrl+C), the group table exports as a spreadsheet-safe CSV, and
no export replaces a file without asking."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from tests.reports.report_helpers import audit_predictions, write_predictions

HOSTILE = ['=HYPERLINK("http://x","y")', "+SUM(A1)", "@cmd", "Zürich"]


def key_copy(qtbot, view, headers: bool = False) -> str:
    QGuiApplication.clipboard().clear()
    view.setFocus()
    mods = Qt.KeyboardModifier.ControlModifier | (
        Qt.KeyboardModifier.ShiftModifier if headers else Qt.KeyboardModifier.NoModifier
    )
    qtbot.keyClick(view, Qt.Key.Key_C, mods)
    return QGuiApplication.clipboard().text()


@pytest.fixture
def sorted_table(qtbot):
    from gui.views.common import table_view

    model = QStandardItemModel(5, 3)
    model.setHorizontalHeaderLabels(["name", "n", "rate"])
    for r, (name, n, rate) in enumerate(
        [("a", 5, "0.1"), ("b", 3, "0.2\t[x]"), ("c", 9, "0.3"), ("d", 1, "0.4"), ("e", 7, "0.5\nz")]
    ):
        for c, v in enumerate((name, n, rate)):
            item = QStandardItem()
            item.setData(v, Qt.ItemDataRole.DisplayRole)
            model.setItem(r, c, item)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    view = table_view("test_table")
    view.setModel(proxy)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # c 9, e 7, a 5, b 3, d 1
    return view, proxy


def test_ctrl_c_copies_selected_rows_in_view_order(qtbot, sorted_table):
    view, proxy = sorted_table
    sel = view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for r in (3, 1, 0):  # selected out of order: the copy follows the screen, top to bottom
        sel.select(proxy.index(r, 0), flags)
    assert key_copy(qtbot, view) == "c\t9\t0.3\ne\t7\t0.5 z\nb\t3\t0.2 [x]\n"
    assert key_copy(qtbot, view, headers=True).splitlines()[0] == "name\tn\trate"


def test_copy_follows_moved_and_hidden_columns(qtbot, sorted_table):
    from gui.views.copying import selection_tsv

    view, proxy = sorted_table
    view.horizontalHeader().moveSection(2, 0)  # rate | name | n
    view.setColumnHidden(1, True)  # n hidden
    view.selectionModel().select(
        proxy.index(0, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    assert selection_tsv(view, headers=True) == "rate\tname\n0.3\tc\n"


def test_tree_copy_keeps_children_under_their_parent(qtbot):
    from gui.views.copying import install_copy

    tree = QTreeWidget()
    tree.setHeaderLabels(["group", "rows"])
    install_copy(tree)
    race = QTreeWidgetItem(["race", "3 groups"])
    race.addChildren([QTreeWidgetItem(["White", "2,000"]), QTreeWidgetItem(["Black", "300"])])
    sex = QTreeWidgetItem(["sex", "2 groups"])
    tree.addTopLevelItems([race, sex])
    tree.expandAll()
    qtbot.addWidget(tree)
    tree.show()
    qtbot.waitExposed(tree)
    for item in (sex, race.child(1), race):
        item.setSelected(True)
    assert key_copy(qtbot, tree) == "race\t3 groups\nBlack\t300\nsex\t2 groups\n"


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory):
    csv_path = write_predictions(tmp_path_factory.mktemp("hostile") / "p.csv", values={"region": HOSTILE, "gender": ["-F", "M"]})
    return audit_predictions(csv_path, ("region", "gender"), bootstrap=50)


def test_group_csv_is_spreadsheet_safe_and_in_table_order(qtbot, hostile_result, tmp_path):
    from gui.views.results import ResultsView

    view = ResultsView()
    qtbot.addWidget(view)
    view.set_result(hostile_result, "run-1")
    view.level_filter.setCurrentIndex(view.level_filter.findText("region"))
    view.groups_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by n
    shown = view.shown_groups()
    assert len(shown) == 4 and [g.n for g in shown] == sorted(g.n for g in shown)
    out = view.export_groups_csv(tmp_path / "groups.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert [r[header.index("n")] for r in body] == [str(g.n) for g in shown]
    regions = [r[header.index("region")] for r in body]
    expected = [g.attributes["region"] for g in shown]
    assert regions == [("'" + v) if v[0] in "=+-@" else v for v in expected]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r if not _is_number(cell))
    g0 = shown[0]
    e = g0.metrics["selection_rate"]
    assert float(body[0][header.index("selection_rate")]) == e.value  # full precision, not the 3 digits shown
    assert float(body[0][header.index("selection_rate_ci_low")]) == e.ci_low
    assert not list(tmp_path.glob(".*.tmp"))


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def test_csv_export_asks_before_replacing(qtbot, hostile_result, tmp_path, monkeypatch):
    from gui import files
    from gui.views.results import ResultsView

    view = ResultsView()
    qtbot.addWidget(view)
    view.set_result(hostile_result, "run-1")
    target = tmp_path / "groups.csv"
    target.write_text("keep me")
    asked: list[str] = []
    monkeypatch.setattr(files, "_ask", lambda parent, title, text, info: asked.append(text) or False)
    assert view.export_groups_csv(target) is None
    assert target.read_text() == "keep me" and str(target) in asked[0]
    monkeypatch.setattr(files, "_ask", lambda *a: True)
    assert view.export_groups_csv(target) == target
    assert target.read_text(encoding="utf-8-sig").startswith("group,features,region,gender,n")


def test_choose_save_path_adds_the_suffix_and_asks_where_the_dialog_could_not(tmp_path, monkeypatch):
    from gui import files

    (tmp_path / "report.pdf").write_text("old")
    (tmp_path / "other.evidence.json").write_text("old manifest")
    asked: list[str] = []
    monkeypatch.setattr(files, "_ask", lambda parent, title, text, info: asked.append(text) or False)

    def pick(name):
        monkeypatch.setattr(files, "_exec_dialog", lambda dlg: str(tmp_path / name) if name else None)

    pick("report")  # typed without the suffix: the dialog did not know report.pdf exists
    assert files.choose_save_path(None, "t", tmp_path / "x.pdf", "PDF (*.pdf)") is None
    assert "report.pdf" in asked[-1]
    pick("report.pdf")  # picked the existing file itself: the dialog asked already
    n = len(asked)
    assert files.choose_save_path(None, "t", tmp_path / "x.pdf", "PDF (*.pdf)") == tmp_path / "report.pdf"
    assert len(asked) == n
    pick("other.pdf")  # the PDF is new but its manifest beside it exists
    assert files.choose_save_path(None, "t", tmp_path, "PDF (*.pdf)", also=(".evidence.json",)) is None
    assert "other.evidence.json" in asked[-1]
    pick("fresh")
    assert files.choose_save_path(None, "t", tmp_path, "PDF (*.pdf)") == tmp_path / "fresh.pdf"
    pick(None)
    assert files.choose_save_path(None, "t", tmp_path, "PDF (*.pdf)") is None


def test_the_manifest_suffix_matches_the_report_writer():
    from gui.views.export import MANIFEST_SUFFIX
    from reports.export import report_outputs

    pdf = Path("/tmp/a.report.pdf")
    assert report_outputs(pdf)[1] == Path("/tmp/a.report" + MANIFEST_SUFFIX)
