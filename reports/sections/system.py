"""S2, the system: its declared purpose, users, deployment and the model or decision source audited."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, PROVIDER_TEXT, RenderContext
from reports.layout import kv_table, p, styles
from reports.sections.front import file_name


def s2_system(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S2")
    m = r.model
    if r.spec.threshold is not None:
        rule = f"positive (“{r.positive_label}”) when the score is at least {r.spec.threshold:g} (declared threshold)"
    elif m is not None:
        rule = f"the model's own decision rule (predict), positive class “{m.positive_class}”"
    else:
        rule = f"taken as given from the {r.decision_source}; positive label “{r.positive_label}”"
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    if m is not None:
        pairs += [
            ("Model type", m.model_type),
            ("Model family", f"{m.family} (chooses the explainer)"),
            ("Model file", f"{file_name(m.path)} · {m.format} · {F.count(m.size_bytes)} bytes"),
            ("Classes", ", ".join(m.classes) + f" (positive: {m.positive_class})"),
            ("Features", f"{len(m.features)}: " + ", ".join(m.features)),
            ("Scores", "yes: probabilities of the positive class" if m.has_scores else "no: the model gives decisions only"),
        ]
    else:
        pairs.append(
            (
                "Model",
                f"{NOT_ASSESSED_TEXT}: predictions-only audit; the model is held elsewhere, so its type, "
                "features and components cannot be described here",
            )
        )
        row_flags[0] = "small"
        pairs.append(("Scores", f"column '{r.spec.scores_column}'" if r.spec.scores_column else "none"))
    fav = r.favourable_outcome
    if fav is not None:
        pairs += [
            ("Favourable outcome", f"{fav.favourable} (target value “{fav.label}”), declared by {fav.declared_by}"),
            ("What the errors mean", f"false negative: {fav.false_negative}; false positive: {fav.false_positive}"),
        ]
    pairs += [
        ("Output and decision", rule),
        ("Decisions audited from", r.decision_source),
        (
            "Machine the audit ran on",
            f"{r.provenance.platform} · host {r.provenance.host} · Python {r.provenance.python} "
            "(not evidence of the hardware the AI system needs: see 1(e) below)",
        ),
    ]
    out.append(kv_table(pairs, key_width=42 * mm, flags=row_flags))
    out.append(p("Third-party components", st.h2))
    if m is not None and m.library_versions:
        out.append(
            p(
                "Libraries the model file was built with (recorded in the file): "
                + ", ".join(f"{k} {v}" for k, v in sorted(m.library_versions.items()))
                + "."
            )
        )
    else:
        out.append(p(f"Libraries the model was built with: {NOT_ASSESSED_TEXT} (no model file)."))
    out.append(p("Pre-trained models, data or services from third parties beyond these libraries: " + PROVIDER_TEXT + "."))
    out.append(p("Provider information (Annex IV 1)", st.h2))
    pairs = []
    row_flags = {}
    for label, f in (
        ("Interaction with other systems (1(b))", "system_interactions"),
        ("Forms placed on the market (1(d))", "market_forms"),
        ("Intended hardware (1(e))", "target_hardware"),
        ("Resources, lifetime, maintenance (Art. 13(3)(e); 2(c))", "compute_resources"),
        ("Pre-determined changes (2(f))", "predetermined_changes"),
        ("Third-party data, software, models (GOVERN 6, MANAGE 3)", "third_party_risks"),
        ("Product illustrations (1(f))", "product_illustrations"),
        ("User interface for the deployer (1(g))", "user_interface"),
        ("Instructions for use (1(h))", "instructions_for_use"),
        ("Environmental impact (MEASURE 2.12)", "environmental_impact"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=62 * mm, flags=row_flags))
    out.append(
        p(
            f"The audit run itself took {r.provenance.seconds:.1f} s on the machine above; training cost, the system's "
            "resource needs and its energy use in operation are not measured by Attest.",
            st.note,
        )
    )
    return out
