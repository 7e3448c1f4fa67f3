"""S8, human oversight: who oversees the system and how, the deployer's duties to inform, how to read the
scores or decisions, automation bias and what overseers should know from this audit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import RenderContext
from reports.layout import kv_table, p, styles

if TYPE_CHECKING:
    from audit.result import AuditResult


def _rule(r: AuditResult) -> str:
    if r.spec.threshold is not None:
        return f"when its score is at least {r.spec.threshold:g}"
    if r.model is not None:
        return "by the model's own decision rule"
    return f"(decisions audited from the {r.decision_source})"


def s8_oversight(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S8")
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    for label, f in (
        ("Who oversees the system and how", "oversight"),
        ("Override and stop procedure", "override_procedure"),
        ("Competence and training of overseers", "operator_training"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=55 * mm, flags=row_flags))
    legal = ctx.catalogue.legal["deployer"]
    out.append(p("Deployer's duties to inform (Art. 26(7), 26(11))", st.h3))
    out.append(p(" ".join(legal["art26_7"].split()) + " " + " ".join(legal["art26_11"].split()), st.small))
    pairs = []
    row_flags = {}
    for label, f in (
        ("Workers informed (Art. 26(7))", "worker_information"),
        ("Affected persons informed (Art. 26(11))", "person_information"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=55 * mm, flags=row_flags))
    has_scores = r.spec.scores_column is not None or (r.model is not None and r.model.has_scores)
    out.append(p("How to read the scores and explanations" if has_scores else "How to read the decisions", st.h2))
    key = "reading_scores" if has_scores else "reading_decisions"
    text = " ".join(ctx.catalogue.texts["statements"][key].split())
    out.append(p(text.format(positive=r.positive_label, rule=_rule(r))))
    out.append(p("Automation bias", st.h2))
    out.append(ctx.statement("automation_bias" if has_scores else "automation_bias_decisions"))
    out.append(p("What overseers should know from this audit", st.h2))
    weak = [v for v in r.verdicts if v.status != "pass"]
    items = []
    fails = [v for v in weak if v.status == "fail"]
    if fails:
        failed = sorted({F.group(v.group) for v in fails})
        items.append(
            "Checks failed for: "
            + "; ".join(failed[:15])
            + (f"; and {len(failed) - 15} more groups (F, S6)" if len(failed) > 15 else "")
            + ". Decisions for these groups deserve particular attention."
        )
    insuff = sorted({F.group(v.group) for v in weak if v.status == "insufficient_evidence"})
    if insuff:
        items.append(
            f"Evidence was insufficient for {len(insuff)} group(s)"
            + (": " + "; ".join(insuff[:10]) + (" …" if len(insuff) > 10 else ""))
            + ". The system's behaviour for them is not established by this audit."
        )
    acc = r.overall.metrics.get("accuracy")
    if acc and acc.value is not None:
        items.append(
            f"Overall, about {F.pct(1 - acc.value, 0)} of decisions on the evaluation data were wrong "
            f"(FPR {F.num(r.overall.metrics['fpr'].value)}, FNR {F.num(r.overall.metrics['fnr'].value)})."
        )
    if r.quality.proxies:
        items.append(
            "Candidate proxies for sensitive attributes: "
            + ", ".join(sorted({x.feature for x in r.quality.proxies}))
            + " (S4, S7)."
        )
    out += [p("• " + i) for i in items] or [p("No failed or inconclusive checks to point out.")]
    return out
