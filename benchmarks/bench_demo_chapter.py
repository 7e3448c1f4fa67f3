"""CPU time of the demo's second chapter (audit/demo_chapter.py), per step, as `attest demo` runs it after its audit.

CPU (time.process_time: every thread of this process) is the figure to compare: on a shared machine the wall time
mostly measures the other programs. The first chapter (training, the audit without explanations, the workspace) runs
once; the chapter then runs `--repeat` times in the same workspace, with its two PDFs, imports warm as in the CLI.

Run: PYTHONPATH=$PWD python benchmarks/bench_demo_chapter.py [--repeat 3]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import demo
from audit.demo_chapter import STEPS, ChapterPdfs, demo_spec, record_demo_history, second_chapter
from audit.explain.settings import ExplainSettings
from audit.run import run_audit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from reports.compare_pdf import comparison_pdf
    from reports.fonts import register_fonts
    from reports.monitor_pdf import monitoring_pdf

    register_fonts()  # the audit report registered them before the chapter in `attest demo`
    pdfs = ChapterPdfs(monitoring=monitoring_pdf, comparison=comparison_pdf)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        files = demo.build_demo(out)
        spec = demo_spec(files, 1000, 30.0).model_copy(update={"explain": ExplainSettings(enabled=False)})
        result = run_audit(spec)
        ws = out / "demo.attest"
        run_id = record_demo_history(ws, files, result)
        totals: list[float] = []
        per_step: dict[str, list[float]] = {s: [] for s in STEPS}
        for i in range(args.repeat):
            marks: list[tuple[str, float]] = []

            def progress(step: str, done: int, total: int, message: str, marks: list[tuple[str, float]] = marks) -> None:
                if not marks or marks[-1][0] != step:
                    marks.append((step, time.process_time()))

            c0, w0 = time.process_time(), time.monotonic()
            ch = second_chapter(out, files, ws, run_id, spec, first=result, pdfs=pdfs, progress=progress)
            cpu, wall = time.process_time() - c0, time.monotonic() - w0
            totals.append(cpu)
            ends = [t for _, t in marks[1:]] + [c0 + cpu]
            for (step, t), end in zip(marks, ends, strict=True):
                if step in per_step:
                    per_step[step].append(end - t)
            print(f"run {i + 1}: CPU {cpu:.2f} s, wall {wall:.2f} s (under load); first alert {ch.first_alert}")
        print(f"median CPU of the chapter: {statistics.median(totals):.2f} s over {args.repeat} runs")
        for step, xs in per_step.items():
            if xs:
                print(f"  {step:18s} {statistics.median(xs):5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
