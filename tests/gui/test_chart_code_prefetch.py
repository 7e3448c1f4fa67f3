"""The window stays responsive when a result arrives (issue 14, benchmarks/bench_gui.py): the chart code the Results
page needs is imported on a background thread while the audit runs, not on the GUI thread when its result is shown."""

from __future__ import annotations

import subprocess
import sys

_CODE = """
import sys, threading
seen = []
def hook(event, args):
    if event == "import" and str(args[0]).startswith("reports.charts"):  # its modules, as each is imported
        seen.append(threading.current_thread().name)
sys.addaudithook(hook)
from gui import run_flow
assert "reports.charts" not in sys.modules
run_flow.prefetch_chart_code()
run_flow.prefetch_chart_code()  # once: a second audit starts no second thread
for t in threading.enumerate():
    if t.name == "attest-prefetch-charts":
        t.join(60)
from reports import charts  # what the Results page does on the GUI thread: nothing left to import
assert "matplotlib" not in sys.modules, "the display objects are imported, not matplotlib"
print(",".join(sorted(set(seen))), len(seen))
"""


def test_the_chart_code_is_imported_off_the_gui_thread_once() -> None:
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    threads, modules = out.stdout.split()
    assert threads == "attest-prefetch-charts" and int(modules) >= 5  # every chart module, none on the main thread
