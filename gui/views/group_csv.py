"""The group metrics table as a CSV file: one row per group shown (in the table's order), numbers at full precision
with their interval bounds in their own columns, and the verdict of each metric's checks.

Group names come from the user's data, so every text cell goes through `audit.outputs.spreadsheet_safe` (the same rule
as `attest trail export --format csv`): a group called `=HYPERLINK(...)` opens in a spreadsheet as text, not as a
formula. The file is written to a temporary file and renamed into place (`audit.outputs.atomic_text`), so a failed
write never leaves half a table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

CSV_FILTER = "CSV (*.csv)"

if TYPE_CHECKING:
    from audit.result import AuditResult, GroupResult


def group_table_rows(
    result: AuditResult, groups: Sequence[GroupResult], metrics: Sequence[str]
) -> tuple[list[str], list[list[object]]]:
    """(header, rows) for `groups` (GroupResult) of `result`, with value, interval and verdict per metric."""
    from gui.models.results import cell_status, group_key

    status = cell_status(result)
    features = list(result.spec.sensitive)
    header = ["group", "features", *features, "n", "share", "small"]
    for m in metrics:
        header += [m, f"{m}_ci_low", f"{m}_ci_high", f"{m}_verdict"]
    rows: list[list[object]] = []
    for g in groups:
        row: list[object] = [
            g.label,
            " × ".join(g.level),
            *(g.attributes.get(f, "") for f in features),
            g.n,
            g.share,
            "yes" if g.small else "no",
        ]
        for m in metrics:
            e = g.metrics.get(m)
            hit = status.get((group_key(g.level, g.attributes), m))
            row += [
                _num(e.value if e else None),
                _num(e.ci_low if e else None),
                _num(e.ci_high if e else None),
                hit[0] if hit else "",
            ]
        rows.append(row)
    return header, rows


def _num(x: float | None) -> object:
    return "" if x is None else x  # repr precision: the csv module writes floats with repr()


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write the table whole or not at all; every text cell made safe for spreadsheets."""
    from audit.outputs import atomic_text, spreadsheet_safe

    path = Path(path)
    with atomic_text(path, encoding="utf-8-sig") as fh:  # the BOM makes Excel read UTF-8 (group names in any script)
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow([spreadsheet_safe(h) for h in header])
        for row in rows:
            w.writerow([spreadsheet_safe(v) for v in row])
    return path
