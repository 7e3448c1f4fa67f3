"""The set-up page's run line: the line above Run saying what is still missing, or what the audit will do (with the
audit's own group estimate and the 2,000-group refusal), and the Run button itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from gui.views.common import muted

if TYPE_CHECKING:
    from gui.jobs import DataPreview


def missing_inputs(preview: DataPreview | None, needs_model: bool, target: str, sensitive: list[str]) -> list[str]:
    """What the user still has to choose, in the order of the page; `needs_model`: decisions from a model file that is
    not chosen yet."""
    missing = []
    if preview is None:
        missing.append("an evaluation dataset")
    if needs_model:
        missing.append("a model file (or choose a predictions column)")
    if preview is not None and not target:
        missing.append("the target column")
    if preview is not None and not sensitive:
        missing.append("at least one sensitive feature")
    return missing


def over_group_limit(preview: DataPreview | None, sensitive: list[str], max_order: int | None) -> bool:
    """Whether the audit's own guard would refuse this set-up (audit.guards.MAX_GROUPS): Run is refused before any work."""
    from audit.guards import MAX_GROUPS
    from gui.jobs import group_estimate

    return bool(preview is not None and sensitive and group_estimate(preview, sensitive, max_order)[0] > MAX_GROUPS)


class RunLine(QWidget):
    """The line saying whether the audit can run, and the Run button (refused while running or over the group limit)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.running = False
        self.run_button = QPushButton("Run audit")
        self.run_button.setObjectName("run_audit")
        self.run_button.setAccessibleName("Run audit")
        self.run_button.setToolTip("Run the audit (Ctrl+R)")
        self.run_button.setDefault(True)
        self.ready_label = muted()
        self.ready_label.setObjectName("ready_label")
        bottom = QHBoxLayout(self)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.ready_label, 1)
        bottom.addWidget(self.run_button)

    def show_state(
        self,
        missing: list[str],
        preview: DataPreview | None,
        target: str,
        sensitive: list[str],
        max_order: int | None,
        target_guessed: bool,
    ) -> None:
        """Say what is missing, or what the audit will do; Run follows."""
        over = over_group_limit(preview, sensitive, max_order)
        if missing:
            self.ready_label.setText("To run, choose " + ", ".join(missing) + ".")
        elif preview is not None:
            from gui.jobs import group_estimate

            _, estimate = group_estimate(preview, sensitive, max_order)
            if over:
                self.ready_label.setText("Cannot run: " + estimate.replace("(--max-order)", "(Intersections up to)"))
            else:
                left_out = preview.outcome_missing.get(target, 0)
                note = f" {left_out:,} row(s) with no value in the target will be left out." if left_out else ""
                self.ready_label.setText(
                    f"Ready: {preview.ref.rows:,} rows, sensitive features {', '.join(sensitive)}. " + estimate + note
                )
        if target_guessed:
            self.ready_label.setText(self.ready_label.text() + " The target was guessed: please check it.")
        self.run_button.setEnabled(not self.running and not over)
        self.run_button.setToolTip(
            "Lower the intersection order or tick fewer sensitive features: the audit would create more groups than its limit."
            if over
            else "Run the audit"
        )

    def set_running(self, running: bool, over_limit: bool) -> None:
        self.running = running
        self.run_button.setText("Running…" if running else "Run audit")
        self.run_button.setEnabled(not running and not over_limit)
