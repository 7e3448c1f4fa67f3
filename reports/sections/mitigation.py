"""Mitigation evidence from the trail: S6 shows each remedy tried on this run before and after (on its held-out rows),
S9 lists the proposals, the adopted measure with who adopted it, and the residual risk (EU AI Act Art. 9(4), 10(2)(g);
NIST AI RMF MANAGE 1.3). Read only from the trail's `mitigation_proposed` / `mitigation_adopted` events of the run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import RenderContext
from reports.layout import TEXT_WIDTH, esc, mono, p, styles, table
from reports.snapshot import TrailEvent

TREATMENT_NOTE = (
    "Group-specific thresholds use the sensitive attribute at decision time (disparate treatment: unlawful in some "
    "settings, a legal basis is needed under the AI Act and the GDPR); the full proposal (its JSON, whose SHA-256 the "
    "trail records) states the caveats and the alternatives that do not."
)


@dataclass(frozen=True)
class Proposal:
    event: TrailEvent
    adoption: TrailEvent | None

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.event.payload


def proposals(ctx: RenderContext) -> list[Proposal]:
    """The run's mitigation proposals in trail order, each with its adoption (if any)."""
    t = ctx.trail
    if t is None:
        return []
    adopted = {e.payload.get("proposal_id"): e for e in t.events if e.kind == "mitigation_adopted"}
    run_id = t.run_id
    return [
        Proposal(e, adopted.get(e.payload.get("proposal_id")))
        for e in t.events
        if e.kind == "mitigation_proposed" and (run_id is None or e.payload.get("run_id") == run_id)
    ]


def _gap(side: Mapping[str, Any]) -> str:
    v, lo, hi = side.get("disparity"), side.get("disparity_low"), side.get("disparity_high")
    if v is None:
        return F.DASH
    return f"{v:.3f}" + ("" if lo is None or hi is None else f" [{lo:.3f}, {hi:.3f}]")


def _acc(side: Mapping[str, Any]) -> str:
    a = side.get("accuracy")
    return F.DASH if a is None else f"{a:.3f}"


def _split(pl: Mapping[str, Any]) -> str:
    s = pl.get("split") or {}
    return f"seed {s.get('seed')}, {s.get('test_rows', 0):,} held-out rows"


def s6_before_after(ctx: RenderContext) -> list[Flowable]:
    """S6: each remedy tried on this run, before and after on its held-out rows (empty when none was tried)."""
    found = proposals(ctx)
    if not found:
        return []
    st = styles()
    rows: list[list[Any]] = [["Proposal", "Constraint", "Gap before", "Gap after", "Accuracy before → after", "Adopted"]]
    for m in found:
        pl, s = m.payload, m.payload.get("summary") or {}
        before, after = s.get("before") or {}, s.get("after") or {}
        rows.append(
            [
                pl.get("proposal_id", ""),
                str(pl.get("constraint", "")).replace("_", " "),
                _gap(before),
                _gap(after),
                f"{_acc(before)} → {_acc(after)}",
                "yes" if m.adoption else "no",
            ]
        )
    w = TEXT_WIDTH - 150 * mm
    return [
        p("Remedies tried on this run: before and after", st.h2),
        p(
            f"{len(found)} mitigation what-if(s) recorded in the trail for this run (attest mitigate). Each was fitted on "
            "one part of the evaluation rows and judged on the other: the gap is the constraint's statistic (largest "
            "difference between groups) on those held-out rows, with its interval; the run's own verdicts above are "
            "unchanged by a proposal.",
            st.small,
        ),
        table(rows, [30 * mm, 30 * mm, 32 * mm, 32 * mm, 26 * mm, w]),
        p(TREATMENT_NOTE, st.note),
    ]


def _tradeoff_chart(ctx: RenderContext, m: Proposal) -> list[Flowable]:
    """The trade-off of `m` (the adopted proposal, else the latest) as `attest mitigate` drew it."""
    from reports import charts

    pid = m.payload.get("proposal_id")
    stored = next((t for t in (ctx.trail.tradeoffs if ctx.trail else ()) if t["proposal_id"] == pid), None)
    if stored is None:
        return []
    img = ctx.chart(charts.TradeoffDisplay.from_mitigation, dict(stored))
    if img is None:
        return []
    caption = (
        f"The trade-off of {pid}{' (adopted)' if m.adoption else ''}: every candidate operating point on its held-out "
        "rows, fairness statistic against accuracy with intervals, the Pareto front joined, the original decisions "
        "and the proposed rule marked; beside it each group's selection rate."
    )
    return [img, p(caption, styles().note)]


def s9_measures(ctx: RenderContext) -> list[Flowable]:
    """S9: the proposals, the adopted measure and who adopted it, and the residual risk."""
    found = proposals(ctx)
    st = styles()
    out: list[Flowable] = [p("Risk treatment: mitigation proposals and the adopted measure", st.h2)]
    if not found:
        out.append(
            p(
                "No mitigation was proposed for this run in the trail. A failed check can be followed by "
                "`attest mitigate` (or the app's Mitigation page), which records each proposal and its adoption here.",
                st.small,
            )
        )
        return out
    rows: list[list[Any]] = [["Proposal", "Method · constraint", "Held-out rows", "Result SHA-256", "Recorded"]]
    for m in found:
        pl = m.payload
        rows.append(
            [
                pl.get("proposal_id", ""),
                f"{str(pl.get('method', '')).rsplit('.', 1)[-1]} · {str(pl.get('constraint', '')).replace('_', ' ')}",
                _split(pl),
                mono(F.short_hash(pl.get("result_sha256"), 16)),
                f"{m.event.time[:10]} by {m.event.actor}",
            ]
        )
    out.append(table(rows, [30 * mm, 50 * mm, 38 * mm, 34 * mm, TEXT_WIDTH - 152 * mm]))
    adopted = [m for m in found if m.adoption is not None]
    out += _tradeoff_chart(ctx, (adopted or found)[-1])
    if not adopted:
        out.append(
            p(
                "Adopted measure: none yet. The risks above stay open until a measure is adopted and the changed "
                "decisions are audited again.",
                st.small,
            )
        )
        return out
    for m in adopted:
        a = m.adoption.payload if m.adoption else {}
        s = m.payload.get("summary") or {}
        before, after = s.get("before") or {}, s.get("after") or {}
        high = after.get("disparity_high")
        out.append(
            p(
                f"<b>Adopted measure</b>: {esc(m.payload.get('proposal_id'))} "
                f"({esc(str(m.payload.get('constraint', '')).replace('_', ' '))} by group thresholds), adopted by "
                f"{esc(a.get('adopted_by'))} ({esc(a.get('role'))}) on {m.adoption.time[:10] if m.adoption else ''}"
                + (f", comment: “{esc(a.get('comment'))}”" if a.get("comment") else "")
                + f". On the held-out rows the gap went from {_gap(before)} to {_gap(after)}.",
                markup=True,
            )
        )
        out.append(
            p(
                "<b>Residual risk</b>: "
                + (
                    f"a gap of up to {high:.3f} (the upper end of its interval) remains possible under the adopted rule; "
                    if high is not None
                    else "the adopted rule's gap could not be estimated; "
                )
                + "the estimate holds only while the population and the model's scores stay as in the evaluation data, "
                "and the decisions made with the rule have not been audited as a run of their own. Re-audit the "
                "decisions made with the adopted rule (a new audit run) and monitor them (S11).",
                markup=True,
            )
        )
    out.append(p(TREATMENT_NOTE, st.note))
    return out
