"""Cover page (verdict summary in plain words), S0 document control and sign-off, S1 scope, S2 system description."""

from __future__ import annotations

from datetime import date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, PROVIDER_TEXT, RenderContext, deferred, link, page_of
from reports.coverage import EVIDENCED, PARTIAL, ST_NA, ST_NOT_ASSESSED, ST_PROVIDER, fria_applies
from reports.layout import TEXT_WIDTH, Heading, cell, esc, kv_table, mono, p, spacer, styles, table
from reports.risks import recommendation
from reports.sections.law import law_dates

REPORT_FORMAT_VERSION = "1.0"  # bump when sections or their meaning change


def _generator_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for pkg in ("reportlab", "matplotlib", "pypdf", "pyHanko"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def spec_sha256(result) -> str:
    from audit.hashing import canonical_json, sha256_bytes

    return sha256_bytes(canonical_json(result.spec.model_dump(mode="json", by_alias=True)))


def verdict_words(result) -> list[str]:
    """The first page's plain-words summary; never claims fairness."""
    s = result.summary
    out = []
    if s.failed:
        out.append(
            f"{s.failed} group comparison{'s' if s.failed != 1 else ''} failed: the evaluation data show a disparity "
            "beyond the declared threshold (see S6 and the risk register in S9)."
        )
    if s.insufficient_evidence:
        out.append(
            f"{s.insufficient_evidence} comparison{'s' if s.insufficient_evidence != 1 else ''} lacked evidence: too few "
            "rows, or an interval too wide to tell on which side of the threshold the group lies."
        )
    if s.passed:
        out.append(f"{s.passed} comparison{'s' if s.passed != 1 else ''} found no disparity above the threshold on this data.")
    return out


_ON_PAGE_ONE = 5  # findings named on page 1, worst first


def part_banner(ctx: RenderContext, part: int) -> list:
    """The heading that opens a part (outline level above the sections)."""
    st = styles()
    if part == 1:
        return [Heading("Part 1 · Report for the approver", st.small, key="part-1", outline_level=-1)]
    out = [Heading("Part 2 · Annex: the full evidence", st.title, key="part-2", outline_level=-1)]
    secs = [s for s in ctx.catalogue.sections if s.part == 2]
    out.append(
        deferred(
            ctx,
            lambda: p(
                "Part 1 is the report for the approver: the summary, sign-off, scope, the findings that need a decision, the "
                "fundamental-rights impact assessment and the coverage matrix. This annex holds the evidence behind them: "
                + "; ".join(
                    link(ctx, s.id, f"{s.id}: {s.title.lower()}" + (f" (p. {page_of(ctx, s.id)})" if page_of(ctx, s.id) else ""))
                    for s in secs
                )
                + "; and Appendix B, the evidence manifest.",
                markup=True,
            ),
        )
    )
    return out


def cover(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    name = r.spec.context.system_name or "an AI system (name: needs provider input)"
    out = part_banner(ctx, 1) + [
        Heading("Audit report", st.title, key="cover"),
        p(f"Performance and fairness of {name}", st.subtitle),
        p(
            f"Evidence for the EU AI Act (Regulation (EU) 2024/1689) and the NIST AI RMF 1.0 · Report {ctx.report_id} · "
            f"generated {ctx.generated_at} by Attest {r.provenance.attest_version}",
            st.small,
        ),
        p(ctx.copy_mode, st.small),
        spacer(2),
        p("Verdict summary", st.h2),
        p(f"Policy “{r.spec.policy.name}”, declared before the run: {r.summary.sentence()}", st.callout),
    ]
    out += [p("• " + w) for w in verdict_words(r)]
    if not r.summary.failed:
        out.append(p(ctx.catalogue.statement("no_overclaim"), st.note))
    # checks x status
    rows = [["Check", "Rule (declared)", "Pass", "Fail", "Insufficient"]]
    flags = {}
    for i, c in enumerate(r.spec.policy.checks, 1):
        vs = [v.status for v in r.verdicts if v.check == c.id]
        n_fail = vs.count("fail")
        rows.append(
            [
                cell(c.id, bold=True),
                cell(c.rule()),
                str(vs.count("pass")),
                f"✗ {n_fail}" if n_fail else "0",
                str(vs.count("insufficient_evidence")),
            ]
        )
        if n_fail:
            flags[(3, i)] = "fail"
        if vs.count("insufficient_evidence"):
            flags[(4, i)] = "insufficient"
    out.append(
        table(rows, [38 * mm, TEXT_WIDTH - 38 * mm - 3 * 18 * mm, 18 * mm, 18 * mm, 18 * mm], flags=flags, align_right_from=2)
    )
    out += _named_findings(ctx)
    out.append(spacer(2))
    out.append(p("<b>Recommendation from this evidence:</b> " + esc(recommendation(r)), markup=True))
    # key facts
    ov = r.overall.metrics
    n_inter = sum(1 for g in r.groups if len(g.level) > 1)
    small = sum(1 for g in r.groups if g.small)
    cov = ctx.coverage.counts()
    facts = [
        ("Evaluation data", f"{_name(r.data.path)} · {F.count(r.data.rows)} rows · SHA-256 {F.short_hash(r.data.sha256, 16)}"),
        ("Decisions from", r.decision_source + (f" · {r.model.model_type}" if r.model else "")),
        ("Overall accuracy", F.est(ov.get("accuracy"))),
        ("Overall selection rate", F.est(ov.get("selection_rate"))),
        ("Sensitive attributes", ", ".join(r.spec.sensitive)),
        (
            "Groups audited",
            f"{len(r.groups)} ({len(r.groups) - n_inter} single-attribute, {n_inter} intersectional); "
            f"{small} below the minimum size of {r.spec.min_group_size}",
        ),
        ("Explanations", _explain_status(ctx)),
        (
            "Requirement coverage",
            f"{cov[EVIDENCED]} evidenced, {cov[PARTIAL]} partial, {cov[ST_NOT_ASSESSED]} not assessed, "
            f"{cov[ST_PROVIDER]} need provider input, {cov[ST_NA]} not applicable, of "
            f"{len(ctx.coverage.rows)} mapped requirements (Appendix A)",
        ),
    ]
    out += [p("Key facts", st.h2), kv_table(facts, key_width=38 * mm)]
    out += [
        p("Binding", st.h2),
        kv_table(
            [
                ("Result SHA-256", mono(ctx.result_sha256)),
                ("Dataset SHA-256", mono(r.data.sha256)),
                ("Model SHA-256", mono(r.model.sha256) if r.model else cell("no model file (predictions-only audit)")),
                (
                    "Trail head at export",
                    mono(ctx.trail.head_hash) if ctx.trail else cell(NOT_ASSESSED_TEXT + ": exported without a workspace"),
                ),
            ],
            key_width=38 * mm,
        ),
    ]
    out += [spacer(1), p(ctx.catalogue.statement("not_legal_advice"), st.note)]
    out.append(deferred(ctx, lambda: _glyph_note(ctx)))
    return out


def glyph_note_text(ctx: RenderContext) -> str:
    from reports.fonts import MARK, describe_missing

    missing = ctx.missing_glyphs
    return (
        (
            f"⚠ {len(missing)} character(s) in the audit's names or declared texts could not be drawn by any font on "
            f"this machine and are shown as {MARK}: {describe_missing(missing)}. The audit result and the evidence "
            "manifest hold the exact text."
        )
        if missing
        else ""
    )


def _glyph_note(ctx: RenderContext):
    from reportlab.platypus import Spacer

    text = glyph_note_text(ctx)
    return p(text, styles().small) if text else Spacer(0, 0)


def _named_findings(ctx: RenderContext) -> list:
    """Page 1 names the failed and undecidable comparisons, worst first, with statistic and group size."""
    from reports.sections.findings import rating_text

    st, risks = styles(), ctx.risks
    if not risks:
        return []
    out = [p("What needs a decision (worst first)", st.h3)]
    rows = [["ID", "Status", "Check", "Group vs comparator", "Statistic [CI]", "n group", "Rating"]]
    flags = {}
    for x in risks[:_ON_PAGE_ONE]:
        rows.append(
            [
                x.id,
                cell(F.STATUS_TEXT[x.status], bold=x.status == "fail"),
                cell(x.check),
                cell(f"{x.group_values} vs {x.comparator_values}"),
                cell(x.statistic),
                F.count(x.n_group),
                cell(rating_text(x)),
            ]
        )
        flags[(1, len(rows) - 1)] = "fail" if x.status == "fail" else "insufficient"
    out.append(
        table(rows, [10 * mm, 20 * mm, 30 * mm, 48 * mm, 32 * mm, 14 * mm, TEXT_WIDTH - 154 * mm], flags=flags, font_size=6.5)
    )
    more = len(risks) - _ON_PAGE_ONE
    out.append(
        deferred(
            ctx,
            lambda: p(
                (f"… and {more} more. " if more > 0 else "") + f"Every failed and undecidable comparison, with its interval and "
                f"adjusted p: {link(ctx, 'F', 'Findings' + (f' p. {page_of(ctx, chr(70))}' if page_of(ctx, 'F') else ''))}; "
                f"sign-off: {link(ctx, 'S0')}; coverage: {link(ctx, 'A', 'Appendix A' + (f' p. {page_of(ctx, chr(65))}' if page_of(ctx, 'A') else ''))}.",
                st.small,
                markup=True,
            ),
        )
    )
    return out


def _name(path: str) -> str:
    from pathlib import PurePath

    return PurePath(path).name


def _explain_status(ctx) -> str:
    from reports.coverage import PRESENT, explanation_state

    state, detail = explanation_state(ctx.result)
    return detail if state == PRESENT else f"not assessed: {detail}"


def retention_until(generated_at: str, years: int) -> str:
    d = datetime.fromisoformat(generated_at.replace("Z", "+00:00")).date()
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1).isoformat()


def s0_document_control(ctx: RenderContext) -> list:
    r, st, t = ctx.result, styles(), ctx.trail
    out = ctx.section_start("S0")
    pv = r.provenance
    datasets = [("Evaluation dataset", f"{_name(r.data.path)}", r.data.sha256)]
    if t:
        for step in t.lineage:
            if step.kind == "dataset" and step.sha256 and step.sha256 != r.data.sha256:
                datasets.append(("Dataset (trail)", step.label, step.sha256))
    pairs: list = [
        ("Report id", ctx.report_id),
        ("Report format version", REPORT_FORMAT_VERSION),
        ("Copy", ctx.copy_mode),
        ("Generated (UTC)", ctx.generated_at),
        ("Audit run (UTC)", f"{pv.started_at} → {pv.finished_at} ({pv.seconds:.1f} s), seed {pv.seed}"),
        ("Audit run by", "left out of this shared copy" if ctx.share else f"{pv.user} on {pv.host}"),
        ("Tool", f"Attest {pv.attest_version} · Python {pv.python} · {pv.platform}"),
        ("Result SHA-256", mono(ctx.result_sha256)),
        ("Audit specification SHA-256", mono(spec_sha256(r))),
    ]
    flags = {}
    for label, name, sha in datasets:
        pairs.append((label, Paragraph(f"{esc(name)}<br/><font name='DejaVuSansMono' size='6.8'>{sha}</font>", st.cell)))
    if r.model:
        pairs.append(
            (
                "Model",
                Paragraph(
                    f"{esc(_name(r.model.path))} ({esc(r.model.format)})<br/>"
                    f"<font name='DejaVuSansMono' size='6.8'>{r.model.sha256}</font>",
                    st.cell,
                ),
            )
        )
    else:
        pairs.append(("Model", cell(f"{NOT_ASSESSED_TEXT}: predictions-only audit ({r.decision_source}); no model file to hash")))
        flags[len(pairs) - 1] = "small"
    if t:
        pairs.append(("Trail head hash at export", mono(t.head_hash)))
        pairs.append(
            (
                "Trail",
                cell(
                    f"{t.workspace} · {t.event_count} events · {t.verification}"
                    + (f" · audit run {t.run_id}" if t.run_id else "")
                ),
            )
        )
        if t.verified is False:
            flags[len(pairs) - 1] = "fail"
    else:
        pairs.append(
            (
                "Trail head hash at export",
                cell(f"{NOT_ASSESSED_TEXT}: exported without a workspace; the binding rests on the hashes above"),
            )
        )
        flags[len(pairs) - 1] = "small"
    pairs.append(
        (
            "Evidence manifest",
            Paragraph(
                f"{esc(ctx.manifest_name or 'evidence manifest')} — attached to this PDF and written beside it"
                + (
                    f"<br/><font name='DejaVuSansMono' size='6.8'>SHA-256 {ctx.manifest_sha256}</font>"
                    if ctx.manifest_sha256
                    else ""
                ),
                st.cell,
            ),
        )
    )
    pairs.append(
        (
            "Signature",
            cell(
                f"PAdES signature by {ctx.signer}, applied after this page was written"
                if ctx.signer
                else "not signed (export with a PKCS#12 certificate to sign)"
            ),
        )
    )
    out.append(kv_table(pairs, key_width=42 * mm, flags=flags))

    out.append(p("Library versions", st.h2))
    libs = dict(pv.library_versions)
    if r.model:
        libs.update({f"{k} (model file)": v for k, v in r.model.library_versions.items() if libs.get(k) != v})
    gen = _generator_versions()
    rows = [["Library", "Version", "Used for"]]
    rows += [[k, v, "audit computation"] for k, v in sorted(libs.items())]
    rows += [[k, v, "this report"] for k, v in sorted(gen.items())]
    out.append(table(rows, [50 * mm, 35 * mm, TEXT_WIDTH - 85 * mm]))

    out.append(p("Sign-off", st.h2))
    out.append(
        p(
            "Author, reviewer and approver, each with role, date and decision (Annex IV 2(g): test reports dated and "
            "signed by the responsible persons). Sign-offs are taken from the workspace's audit trail.",
            st.small,
        )
    )
    rows = [["Function", "Name", "Role", "Date (UTC)", "Decision", "Conditions / comment"]]
    flags = {}
    author, role = _author(r, t)
    rows.append(["Author (ran the audit)", cell(author), cell(role), cell(pv.finished_at[:10]), "—", ""])
    signoffs = t.signoffs if t else ()
    for s in signoffs:
        decision = s.decision.replace("_", " ")
        rows.append(
            [
                "Reviewer / approver",
                cell(s.reviewer),
                cell(s.role),
                cell(s.time[:10]),
                cell(("✗ " if s.decision == "reject" else "✓ ") + decision, bold=True),
                cell(s.conditions or s.comment or ""),
            ]
        )
        if s.decision == "reject":
            flags[(4, len(rows) - 1)] = "fail"
    if not signoffs:
        for fn in ("Reviewer", "Approver"):
            rows.append([fn, cell(PROVIDER_TEXT, bold=True), "", "", "", ""])
            flags[(1, len(rows) - 1)] = "provider"
    w = TEXT_WIDTH
    out.append(table(rows, [30 * mm, 28 * mm, 28 * mm, 20 * mm, 24 * mm, w - 130 * mm], flags=flags))
    for s in signoffs:  # each decision's binding to its person: a signature, or only the OS account that recorded it
        out.append(
            p(
                f"Sign-off by {s.reviewer} ({s.decision.replace('_', ' ')}, {s.time[:10]}): "
                f"{s.signature or 'signature not checked'}.",
                st.small,
            )
        )

    ret = ctx.catalogue.texts["retention"]
    until = retention_until(ctx.generated_at, ret["documentation_years"])
    out.append(p("Retention", st.h2))
    out.append(
        p(
            f"Keep this report, its evidence manifest and the workspace trail for {ret['documentation_years']} years after "
            f"the system is placed on the market or put into service; if that is today, at least until <b>{until}</b>. "
            f"{esc(ret['documentation_basis'])}. Logs: {esc(ret['logs_basis'])}.",
            markup=True,
        )
    )
    para, flag = ctx.declared("documentation_keeping")
    out.append(
        kv_table([("Who keeps it, where, from when (Art. 18)", para)], key_width=55 * mm, flags={0: flag} if flag else None)
    )
    return out


def _author(r, t) -> tuple[str, str]:
    """Who ran the audit: the trail's audit-run event's actor when there is one, else the run's OS account."""
    for e in t.events if t else ():
        if e.kind == "audit_run" and e.payload.get("run_id") == t.run_id:
            return e.actor, e.actor_role or "auditor"
    return f"{r.provenance.user}@{r.provenance.host}", "ran the audit (no role recorded)"


def s1_scope(ctx: RenderContext) -> list:
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
    pairs, flags = [], {}
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
            flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=52 * mm, flags=flags))
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


def s2_system(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S2")
    m = r.model
    if r.spec.threshold is not None:
        rule = f"positive (“{r.positive_label}”) when the score is at least {r.spec.threshold:g} (declared threshold)"
    elif m is not None:
        rule = f"the model's own decision rule (predict), positive class “{m.positive_class}”"
    else:
        rule = f"taken as given from the {r.decision_source}; positive label “{r.positive_label}”"
    pairs, flags = [], {}
    if m is not None:
        pairs += [
            ("Model type", m.model_type),
            ("Model family", f"{m.family} (chooses the explainer)"),
            ("Model file", f"{_name(m.path)} · {m.format} · {F.count(m.size_bytes)} bytes"),
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
        flags[0] = "small"
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
    out.append(kv_table(pairs, key_width=42 * mm, flags=flags))
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
    pairs, flags = [], {}
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
            flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=62 * mm, flags=flags))
    out.append(
        p(
            f"The audit run itself took {r.provenance.seconds:.1f} s on the machine above; training cost, the system's "
            "resource needs and its energy use in operation are not measured by Attest.",
            st.note,
        )
    )
    return out
