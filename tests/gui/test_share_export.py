"""The app writes a copy to hand out, as `attest audit --share` does (issue 11 item 8): no absolute paths or account
names in the PDF, the figures unchanged, the report saying which mode it is, and the trail keeping the full result."""

from __future__ import annotations

import getpass

from tests.gui.conftest import AUDIT_TIMEOUT_MS, open_workspace, set_up_demo_audit
from tests.reports.report_helpers import page_texts


def _export(qtbot, window, out, share: bool) -> str:
    window.report.out_field.set_path(str(out), emit=False)
    window.report.share_check.setChecked(share)
    with qtbot.waitSignal(window.report.exported, timeout=120_000):
        window.report.export()
    return " ".join(page_texts(out))


def test_shared_copy_from_the_app_leaves_out_paths_and_accounts(qtbot, window, workspace, demo_files):
    open_workspace(qtbot, window, workspace)
    set_up_demo_audit(qtbot, window, demo_files)
    with qtbot.waitSignal(window.outcome_shown, timeout=AUDIT_TIMEOUT_MS):
        window.setup.request_run()
    folder = str(demo_files.data.parent)
    full = _export(qtbot, window, workspace.parent / "full.pdf", share=False)
    assert folder in full.replace("\n", "")  # the full report names where the data lives
    shared = _export(qtbot, window, workspace.parent / "shared.pdf", share=True)
    flat = shared.replace("\n", "")
    assert folder not in flat and demo_files.data.name in flat
    assert f"account {getpass.getuser()}" not in flat
    assert "Shared copy" in flat
    assert "shared copy" in window.report.status.text()
    done = window.report.progress_panel.label.text()
    assert done.startswith("Done:") and "left" not in done  # no time estimate once the export has ended
