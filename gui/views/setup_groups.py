"""The set-up page's sensitive-features panel: the groups tree with counts, the small-group marks, the reference
choice per feature (kept in `self.references`, so a rebuild never resets it), the intersection choices and the values
that mean missing. Reads and writes its part of the audit draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.views.common import form_combo, heading, muted

if TYPE_CHECKING:
    from audit.draft import AuditDraft
    from gui.jobs import DataPreview

AUTO_REFERENCE = "(automatic: largest group)"


def _is_text(dtype: str) -> bool:
    return dtype in ("object", "category", "string", "str", "bool") or dtype.startswith("string")


class GroupsPanel(QWidget):
    changed = Signal()  # the ticked features or the intersection order changed: the run line is redone
    na_values_changed = Signal()  # what counts as missing changed: the dataset is read again, as the audit will

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview: DataPreview | None = None
        self.references: dict[str, str] = {}  # the user's choices; survive every rebuild of the groups tree
        self.reference_combos: dict[str, QComboBox] = {}
        self._min_size = 30
        lay = QVBoxLayout(self)  # a titled panel (gui.views.common.titled_panel) that is this widget
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(heading("Sensitive features and their groups", 2))
        lay.addWidget(
            muted(
                "Tick each sensitive feature. Its groups and counts are shown before you run; intersections of the "
                "ticked features are audited too. Choose a reference group, or leave it automatic."
            )
        )
        self.groups_tree = QTreeWidget()
        self.groups_tree.setObjectName("sensitive_groups")
        self.groups_tree.setAccessibleName("Sensitive features and groups")
        self.groups_tree.setColumnCount(4)
        self.groups_tree.setHeaderLabels(["Feature / group", "Rows", "Share", "Reference group"])
        self.groups_tree.setUniformRowHeights(True)
        self.groups_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.groups_tree.setColumnWidth(0, 240)
        self.groups_tree.setColumnWidth(1, 80)
        self.groups_tree.setColumnWidth(2, 70)
        self.groups_tree.itemChanged.connect(self._on_feature_toggled)
        from gui.views.copying import install_copy

        install_copy(self.groups_tree)
        lay.addWidget(self.groups_tree, 1)
        self.intersection_combo = form_combo("intersection_reference", "What intersections are compared with")
        self.intersection_combo.addItem("Intersections: the combination of the references above", "references")
        self.intersection_combo.addItem("Intersections: the largest intersectional group", "largest")
        self.intersection_combo.setToolTip(
            "With a reference declared for any feature, an intersection is compared with the "
            "combination of each feature's reference (declared, else its largest group), "
            "or with the largest intersectional group. The result says which was used."
        )
        lay.addWidget(self.intersection_combo)
        self.order_combo = form_combo("max_intersection_order", "Intersections up to")
        self.order_combo.addItem("Intersections up to: all ticked features", None)
        for k in range(1, 6):
            self.order_combo.addItem(
                "Single features only (no intersections)" if k == 1 else f"Intersections up to: {k} features at a time", k
            )
        self.order_combo.setToolTip(
            "How many sensitive features are crossed at most (the command line's --max-order). "
            "Fewer crossings mean fewer, larger groups."
        )
        self.order_combo.currentIndexChanged.connect(lambda _=0: self.changed.emit())
        lay.addWidget(self.order_combo)
        na_row = QHBoxLayout()
        na_row.addWidget(QLabel("Values that mean missing:"))
        self.na_edit = QLineEdit()
        self.na_edit.setObjectName("na_values")
        self.na_edit.setAccessibleName("Values of the sensitive features that mean missing")
        self.na_edit.setPlaceholderText("none: NA, null, ? are groups as written (e.g. type NA,null)")
        self.na_edit.setToolTip(
            "Comma-separated values of the sensitive features to treat as missing (the command line's "
            "--na-values). Only empty cells are missing otherwise."
        )
        self.na_edit.editingFinished.connect(self._on_na_values_changed)
        na_row.addWidget(self.na_edit, 1)
        lay.addLayout(na_row)
        self._na_applied: tuple[str, ...] = ()
        self.groups_note = muted()
        lay.addWidget(self.groups_note)

    def max_order(self) -> int | None:
        order = self.order_combo.currentData()
        return order if isinstance(order, int) else None  # None: all ticked features

    def set_max_order(self, order: int | None) -> None:
        idx = self.order_combo.findData(order)
        if idx < 0 and order is not None:  # an order above the list's (from a recorded run) is added, never dropped
            self.order_combo.addItem(f"Intersections up to: {order} features at a time", order)
            idx = self.order_combo.count() - 1
        self.order_combo.setCurrentIndex(max(idx, 0))

    def na_values(self) -> tuple[str, ...]:
        from audit.values import parse_na_values

        return parse_na_values(self.na_edit.text()) if self.na_edit.text().strip() else ()

    def set_na_values(self, values: tuple[str, ...] | list[str]) -> None:
        self.na_edit.setText(",".join(values))
        self._on_na_values_changed()

    @Slot()
    def _on_na_values_changed(self) -> None:
        # The groups and their counts change with what counts as missing: read the data again, as the audit will
        if self.na_values() != self._na_applied:
            self._na_applied = self.na_values()
            self.na_values_changed.emit()

    def set_preview(self, preview: DataPreview) -> None:
        """Rebuild the tree for a newly read dataset, keeping the ticks and the reference choices."""
        checked = set(self.sensitive_features())
        self.preview = preview
        tree = self.groups_tree
        tree.blockSignals(True)
        tree.clear()
        self.reference_combos = {}
        skipped = []
        dtype = dict(zip(preview.columns, preview.dtypes, strict=True))
        order = sorted(preview.columns, key=lambda c: (c not in checked, not _is_text(dtype[c])))
        for col in order:
            groups = preview.groups.get(col)
            if groups is None:
                skipped.append(col)
                continue
            total = sum(n for _, n in groups)
            item = QTreeWidgetItem([col, f"{len(groups)} groups", "", ""])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if col in checked else Qt.CheckState.Unchecked)
            item.setData(0, Qt.ItemDataRole.UserRole, col)
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"Sensitive feature {col}, {len(groups)} groups")
            for value, n in groups:
                child = QTreeWidgetItem([value, f"{n:,}", f"{n / total:.1%}" if total else "", ""])
                child.setData(0, Qt.ItemDataRole.UserRole, value)
                child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                child.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.addChild(child)
            tree.addTopLevelItem(item)
            combo = QComboBox()
            combo.setObjectName(f"reference_{col}")
            combo.setAccessibleName(f"Reference group for {col}")
            combo.addItem(AUTO_REFERENCE, None)
            for value, n in groups:
                combo.addItem(f"{value}  ({n:,} rows)", value)
            chosen = self.references.get(col)
            if chosen is not None and combo.findData(chosen) < 0:
                combo.addItem(f"{chosen}  (not in this data)", chosen)  # shown as such, never silently dropped
            combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen is not None else 0)
            combo.currentIndexChanged.connect(lambda _=0, c=col, w=combo: self._reference_chosen(c, w.currentData()))
            combo.setEnabled(col in checked)
            tree.setItemWidget(item, 3, combo)
            self.reference_combos[col] = combo
            item.setExpanded(col in checked)
        tree.blockSignals(False)
        self._mark_small_groups()
        notes = list(preview.warnings)
        if skipped:
            notes.insert(
                0, f"Not offered (more than 60 distinct values): {', '.join(skipped[:8])}{' …' if len(skipped) > 8 else ''}"
            )
        notes.append("Only empty cells count as missing: values such as NA or null are groups of their own.")
        self.groups_note.setText("\n".join(notes))
        self.groups_note.setWordWrap(True)

    def _reference_chosen(self, feature: str, value: str | None) -> None:
        if value is None:
            self.references.pop(feature, None)
        else:
            self.references[feature] = value

    @Slot(int)
    def set_min_size(self, n: int) -> None:
        """Groups smaller than the audit's minimum are marked "⚠ small" before the run."""
        self._min_size = n
        self._mark_small_groups()

    def _mark_small_groups(self) -> None:
        tree = self.groups_tree
        tree.blockSignals(True)
        for item in self._feature_items():
            for child in (item.child(j) for j in range(item.childCount())):
                assert child is not None  # j < childCount()
                n = int(child.text(1).replace(",", "") or 0)
                small = n < self._min_size
                value = child.data(0, Qt.ItemDataRole.UserRole)
                child.setText(0, f"{value}  ⚠ small" if small else value)
                child.setToolTip(
                    0, f"Fewer than {self._min_size} rows: checks on this group will be 'insufficient evidence'" if small else ""
                )
                child.setForeground(0, theme.color("insufficient_evidence_fg") if small else tree.palette().text())
        tree.blockSignals(False)

    def theme_changed(self) -> None:
        """View > Theme (gui.theme.apply_theme): the small-group marks take the new theme's colour."""
        self._mark_small_groups()

    @Slot(QTreeWidgetItem, int)
    def _on_feature_toggled(self, item: QTreeWidgetItem, column: int) -> None:
        if item.parent() is not None or column != 0:
            return
        col = item.data(0, Qt.ItemDataRole.UserRole)
        on = item.checkState(0) == Qt.CheckState.Checked
        item.setExpanded(on)
        combo = self.reference_combos.get(col)
        if combo is not None:
            combo.setEnabled(on)
        self.changed.emit()

    # ------------------------------------------------------------------ state
    def _feature_items(self) -> list[QTreeWidgetItem]:
        tree = self.groups_tree
        return [item for item in (tree.topLevelItem(i) for i in range(tree.topLevelItemCount())) if item is not None]

    def sensitive_features(self) -> list[str]:
        return [
            item.data(0, Qt.ItemDataRole.UserRole)
            for item in self._feature_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]

    def set_sensitive(self, features: list[str]) -> None:
        for item in self._feature_items():
            col = item.data(0, Qt.ItemDataRole.UserRole)
            item.setCheckState(0, Qt.CheckState.Checked if col in features else Qt.CheckState.Unchecked)

    def set_reference(self, feature: str, value: str | None) -> None:
        self._reference_chosen(feature, value)
        combo = self.reference_combos.get(feature)
        if combo is not None:
            combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)

    def group_counts(self, feature: str) -> list[tuple[str, int]]:
        """The groups and counts shown for a feature (what the user sees before running)."""
        return list(self.preview.groups.get(feature, [])) if self.preview else []

    # ------------------------------------------------------------------ the draft
    def request(self) -> dict[str, Any]:
        """This panel's part of the set-up request (see SetupView.build_request): references of ticked features only."""
        sensitive = self.sensitive_features()
        return dict(
            sensitive=tuple(sensitive),
            references={f: v for f, v in self.references.items() if f in sensitive},
            intersection_reference=self.intersection_combo.currentData() or "references",
            max_intersection_order=self.max_order(),
            na_values=self.na_values(),
        )

    def apply_draft(self, draft: AuditDraft) -> None:
        """A draft's references, intersection choices and missing values; its ticks wait for the dataset's preview."""
        self.references = dict(draft.references)
        self.intersection_combo.setCurrentIndex(max(self.intersection_combo.findData(draft.intersection_reference), 0))
        self.set_max_order(draft.max_intersection_order)
        self.na_edit.setText(",".join(draft.na_values))  # read with the dataset, so the groups count as the audit's
        self._na_applied = self.na_values()
