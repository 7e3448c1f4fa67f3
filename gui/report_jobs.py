"""The chart and PDF jobs the window runs through `gui.worker.Runner` (see `gui.jobs`): each draws in a worker process
with `reports`, which the GUI thread never imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gui.processes import in_worker_process


@in_worker_process
def render_charts(result, *, progress, cancel, dpi: int = 110, theme: str = "light") -> list[tuple[str, bytes]]:
    """The report's own charts for this result (the display objects of `reports.charts`, which the PDF draws too), as
    PNG bytes in the window's chart theme.

    A chart that cannot be drawn for this result is left out with a note instead of sinking the others."""
    from reports import charts

    makers: list[tuple[str, Any]] = [
        ("Disparities against the policy thresholds", lambda: charts.DisparityOverviewDisplay.from_result(result)),
        (
            "Verdicts: each statistic with its interval and thresholds",
            lambda: charts.VerdictForestDisplay.from_result(result, max_rows=60),
        ),
    ]
    for lv in result.levels:
        if len(lv.level) == 1:
            makers.append(
                (
                    f"Selection and error rates by {lv.level[0]}",
                    lambda level=lv.level: charts.RatesDisplay.from_result(
                        result, [(level, None)], title=f"Rates by group: {level[0]}"
                    ),
                )
            )
    if any(g.calibration for g in result.groups):
        first = next((lv.level for lv in result.levels if len(lv.level) == 1), None)
        makers.append(("Calibration", lambda: charts.CalibrationDisplay.from_result(result, first)))
    out: list[tuple[str, bytes]] = []
    for i, (title, make) in enumerate(makers):
        cancel.raise_if_set()
        progress("charts", i, len(makers), f"Drawing {title.lower()}")
        try:
            out.append((title, charts.render(make(), theme=theme, dpi=dpi)))
        except Exception as exc:
            out.append((f"{title} (not drawn: {type(exc).__name__}: {exc})", b""))
    return out


@in_worker_process
def render_chart(display, *, progress, cancel, theme: str = "light", dpi: int = 100, width_in: float = 7.0) -> bytes:
    """One display object (`reports.charts`) as PNG bytes, for `gui.views.figure.FigureView`."""
    from reports import charts

    cancel.raise_if_set()
    return charts.render(display, theme=theme, dpi=dpi, width_in=width_in)


@in_worker_process
def save_chart(display, path: str, fmt: str | None = None, *, progress, cancel) -> str:
    """Write a display as a PNG or SVG file on white (as in the report); the file appears whole or not at all."""
    from reports import charts

    return charts.save_display(display, path, fmt, theme="light")


@in_worker_process
def export_pdf(
    result,
    out_pdf: str,
    workspace: str | None = None,
    run_id: str | None = None,
    sign_p12: str | None = None,
    p12_password: str | None = None,
    *,
    progress,
    cancel,
    overwrite: bool = False,
    share: bool = False,
):
    """Write the PDF (and its evidence manifest); with a workspace the export is recorded in its trail.

    `overwrite`: the user agreed to replace existing files; `share`: a copy to hand out (`attest audit --share`).
    Progress is reported per chart and page (see `gui.status.EXPORT_PLAN`); Cancel takes effect at
    the next chart or page, and then nothing is written."""
    from reports.export import export_report

    def report(step: str, done: int, total: int, message: str) -> None:
        cancel.raise_if_set()
        progress(step, done, total, message)

    report("prepare", 0, 1, f"Preparing {Path(out_pdf).name}")
    return export_report(
        result,
        out_pdf,
        sign_p12=sign_p12 or None,
        p12_password=p12_password or None,
        workspace=workspace,
        run_id=run_id if workspace else None,
        overwrite=overwrite,
        progress=report,
        share=share,
    )
