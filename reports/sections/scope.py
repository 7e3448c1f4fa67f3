"""S1, scope: what was audited, by whom, under which policy, and what the audit does not cover."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports.context import PROVIDER_TEXT, RenderContext, deferred, link
from reports.coverage import fria_applies
from reports.layout import cell, esc, kv_table, p, styles
from reports.sections.law import law_dates


def s1_scope(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S1")
    out.append(
        p(
            "Everything in this section is declared by the provider in the audit's context; Attest cannot know it. "
            "Empty fields are shown as “needs provider input”, never filled in.",
            st.small,
        )
    )
    fields = [
        ("System name", "system_name"),
        ("Provider", "provider"),
        ("Role under Art. 3", "role"),
        ("Intended purpose", "intended_purpose"),
        ("Deployment context", "deployment_context"),
        ("Affected persons", "affected_persons"),
        ("Annex III area and use case", "annex_iii_category"),
        ("Reasoning if not high-risk (Art. 6(3)-(4))", "high_risk_reasoning"),
        ("Applicable laws", "applicable_laws"),
    ]
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    for label, f in fields:
        if (
            f == "high_risk_reasoning"
            and r.spec.context.annex_iii_category.strip()
            and not r.spec.context.high_risk_reasoning.strip()
        ):
            pairs.append((label, cell("not needed: an Annex III category is declared")))
            continue
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=52 * mm, flags=row_flags))
    out.append(p("Conformity assessment (Art. 43)", st.h2))
    para, flag = ctx.declared("conformity_route")
    if flag:
        out.append(
            p(
                "For high-risk systems in Annex III points 2 to 8 the procedure is internal control (Annex VI, Art. 43(2)); "
                "for point 1 (biometrics) Art. 43(1) applies. The route for this system: " + PROVIDER_TEXT + "."
            )
        )
    else:
        out.append(p(para.text))
    required, why = fria_applies(r)
    out.append(p("Fundamental-rights impact assessment (Art. 27)", st.h2))
    out.append(
        deferred(
            ctx,
            lambda: p(
                {True: "Required of the deployer: ", False: "Not required: ", None: "Cannot tell yet: "}[required]
                + esc(why)
                + f" See {link(ctx, 'FRIA')}.",
                markup=True,
            ),
        )
    )
    out += law_dates(ctx)
    return out
