"""The comparison report (`attest compare --pdf`): a few pages, bound by hashes to the two runs and the comparison.

Built with the audit report's styles and tables (reports/layout.py); no charts."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from audit.lifecycle.compare_types import Change, Comparison
from reports import format as F
from reports.fonts import register_fonts
from reports.layout import TEXT_WIDTH, cell, mono, p, spacer, styles, table
from reports.short_pdf import short_pdf

_STATUS = {**F.STATUS_TEXT, "absent": "– not evaluated"}
_FLAG = {"pass": "pass", "fail": "fail", "insufficient_evidence": "insufficient"}
TOP_CHANGES = 30


def _value(v: object) -> str:
    if v is None:
        return F.DASH
    text = ", ".join(map(str, v)) if isinstance(v, list) else str(v)
    return text if len(text) <= 90 else text[:87] + "..."


def _runs_table(c: Comparison) -> Table:
    a, b = c.runs["a"], c.runs["b"]
    rows: list[list[object]] = [["", cell("Run A (before)", True), cell("Run B (after)", True)]]
    for label, fa, fb in (
        ("Run", a.run_id, b.run_id),
        ("Recorded", a.recorded_at[:19].replace("T", " ") + "Z", b.recorded_at[:19].replace("T", " ") + "Z"),
        ("Recorded by", a.recorded_by, b.recorded_by),
        ("Data", f"{a.data} ({a.rows:,} rows)", f"{b.data} ({b.rows:,} rows)"),
        ("Data SHA-256", mono(F.short_hash(a.data_sha256, 24)), mono(F.short_hash(b.data_sha256, 24))),
        (
            "Decisions",
            a.decision_source + (f": {a.model}" if a.model else ""),
            b.decision_source + (f": {b.model}" if b.model else ""),
        ),
        ("Model SHA-256", mono(F.short_hash(a.model_sha256, 24)), mono(F.short_hash(b.model_sha256, 24))),
        ("Policy", a.policy, b.policy),
        (
            "Verdicts",
            f"{a.passed} pass, {a.failed} fail, {a.insufficient_evidence} insufficient",
            f"{b.passed} pass, {b.failed} fail, {b.insufficient_evidence} insufficient",
        ),
        ("Result SHA-256", mono(F.short_hash(a.result_sha256, 24)), mono(F.short_hash(b.result_sha256, 24))),
    ):
        rows.append([cell(label, True), fa, fb])
    w = (TEXT_WIDTH - 32 * mm) / 2
    return table(rows, [32 * mm, w, w], zebra=False)


def _inputs_table(c: Comparison) -> Table:
    rows = [["Input", "Field", "Run A", "Run B"]]
    rows += [[ch.input, ch.field, _value(ch.before), _value(ch.after)] for ch in c.inputs_changed]
    return table(rows, [18 * mm, 42 * mm, (TEXT_WIDTH - 60 * mm) / 2, (TEXT_WIDTH - 60 * mm) / 2])


def _verdicts_table(c: Comparison) -> Table:
    rows = [["Check", "Group", "Run A", "Run B", "Statistic A", "Statistic B"]]
    flags: dict[tuple[int, int], str] = {}
    for r, v in enumerate(c.verdict_changes, start=1):
        rows.append(
            [v.check, F.group(v.group), _STATUS[v.before], _STATUS[v.after], F.est(v.statistic_before), F.est(v.statistic_after)]
        )
        for col, status in ((2, v.before), (3, v.after)):
            if status in _FLAG:
                flags[(col, r)] = _FLAG[status]
    return table(
        rows, [26 * mm, 38 * mm, 22 * mm, 22 * mm, (TEXT_WIDTH - 108 * mm) / 2, (TEXT_WIDTH - 108 * mm) / 2], flags=flags
    )


def _changes_table(changes: Sequence[Change]) -> Table:
    rows = [["Group", "Metric", "Run A", "Run B", "Change B − A [interval]"]]
    for ch in changes:
        name = F.metric(ch.metric)
        if ch.comparator is not None:
            base, _, compare = ch.metric.rpartition("_")
            name = f"{F.SHORT_METRIC.get(base, base)} {compare} vs {F.group(ch.comparator)}" + (
                " (highest)" if ch.against == "max" else ""
            )
        rows.append([F.group(ch.group), name, F.est(ch.before), F.est(ch.after), F.est(ch.difference, sign=True)])
    return table(rows, [32 * mm, 44 * mm, 31 * mm, 31 * mm, TEXT_WIDTH - 138 * mm])


def _biggest(c: Comparison, kind: str) -> tuple[list[Change], int]:
    real = [ch for ch in c.changes if ch.kind == kind and ch.significant]
    return sorted(real, key=lambda ch: -abs(ch.difference.value or 0.0))[:TOP_CHANGES], len(real)


def _story(c: Comparison, workspace_head: str | None) -> list[Flowable]:
    s = styles()
    a, b = c.runs["a"], c.runs["b"]
    story: list[Flowable] = [
        p("Comparison of two audits", s.title),
        p(f"{a.run_id} (before) against {b.run_id} (after)", s.subtitle),
        p("Summary", s.h1),
    ]
    story += [p(line) for line in c.summary]
    story += [p(n, s.note) for n in c.notes]
    story += [p("The two runs", s.h1), _runs_table(c), p("What changed in the inputs", s.h1)]
    story.append(_inputs_table(c) if c.inputs_changed else p("Nothing: the same model, data, settings and policy."))
    story.append(p("Verdicts that changed", s.h1))
    story.append(_verdicts_table(c) if c.verdict_changes else p("No verdict changed."))
    for kind, title in (("group", "Group metrics that changed"), ("disparity", "Disparities that changed")):
        shown, total = _biggest(c, kind)
        story.append(p(title, s.h1))
        level = f"{c.ci_level * 100:g}%"
        if not shown:
            moved = [ch for ch in c.changes if ch.kind == kind and ch.difference.value]
            moved = [ch for ch in moved if min(ch.n_before, ch.n_after) >= c.min_group_size] or moved
            largest = sorted(moved, key=lambda ch: -abs(ch.difference.value or 0.0))[:10]
            story.append(
                p(
                    f"None changed beyond its {level} interval"
                    + (
                        f"; the largest point changes (groups of at least {c.min_group_size} rows where there are any):"
                        if largest
                        else "."
                    )
                )
            )
            if largest:
                story.append(_changes_table(largest))
            continue
        story.append(
            p(
                f"{total} changed beyond their {level} interval (the interval of the change excludes 0); "
                f"{'the ' + str(len(shown)) + ' largest are' if total > len(shown) else 'all are'} shown. "
                "Every change is in the comparison's JSON.",
                s.small,
            )
        )
        story.append(_changes_table(shown))
    if c.groups_appeared or c.groups_vanished:
        story.append(p("Groups that appeared or vanished", s.h1))
        rows = [["Group", "Level", "", "Rows"]]
        rows += [[F.group(g.group), F.level(g.level), "appeared in B", F.count(g.n)] for g in c.groups_appeared]
        rows += [[F.group(g.group), F.level(g.level), "vanished in B", F.count(g.n)] for g in c.groups_vanished]
        story.append(table(rows, [60 * mm, 50 * mm, 35 * mm, TEXT_WIDTH - 145 * mm]))
    story.append(p("Methods and binding", s.h1))
    story += [p(f"{k.replace('_', ' ')}: {v}.", s.small) for k, v in c.methods.items()]
    story.append(spacer(2))
    story.append(p(f"Comparison SHA-256 {c.sha256()}", s.mono))
    story.append(p(f"Results: A {a.result_sha256}, B {b.result_sha256}", s.mono))
    if workspace_head:
        story.append(p(f"Trail head when rendered: {workspace_head}", s.mono))
    story.append(
        p(
            "The comparison is recomputable from the two stored results: `attest compare` again gives the same "
            "SHA-256, and the trail records it as an audit_compared event.",
            s.note,
        )
    )
    return story


def comparison_pdf(comparison: Comparison, *, workspace_head: str | None = None) -> bytes:
    """The PDF as bytes (the caller stages and records it)."""
    register_fonts()  # the story's styles need the fonts before it is built
    return short_pdf(
        _story(comparison, workspace_head),
        title="Attest comparison of two audits",
        bound_to=f"Comparison {comparison.sha256()[:16]}",
        subject=f"{comparison.runs['a'].run_id} vs {comparison.runs['b'].run_id}",
    )
