"""S8 human oversight, S9 risk register, S10 security and privacy, S11 post-market monitoring, S12 limitations and
conclusion."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePath

from reportlab.lib.units import mm

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, PROVIDER_TEXT, RenderContext
from reports.coverage import PROVIDER
from reports.layout import TEXT_WIDTH, cell, esc, kv_table, mono, p, styles, table
from reports.risks import UNRATED, recommendation
from reports.sections.mitigation import s9_measures

_MODEL_LOADING = {
    "skops": "skops file: loaded without running code from the file; only skops' default types and the exact type names Attest has reviewed{types} were allowed (never by prefix; calls such as exec, eval, getattr, os or subprocess are refused outright).",
    "onnx": "ONNX graph run by onnxruntime: a declarative format, no code from the file is executed.",
    "lightgbm": "LightGBM text model: parsed as data, no code from the file is executed.",
    "xgboost": "XGBoost model file (JSON/UBJSON): parsed as data, no code from the file is executed.",
    "pickle": "pickle file that the user explicitly trusted (--trust-pickle): loading a pickle runs code from the file.",
    "joblib": "joblib file that the user explicitly trusted (--trust-pickle): loading it runs code from the file.",
}


def _rule(r) -> str:
    if r.spec.threshold is not None:
        return f"when its score is at least {r.spec.threshold:g}"
    if r.model is not None:
        return "by the model's own decision rule"
    return f"(decisions audited from the {r.decision_source})"


def s8_oversight(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S8")
    pairs, flags = [], {}
    for label, f in (
        ("Who oversees the system and how", "oversight"),
        ("Override and stop procedure", "override_procedure"),
        ("Competence and training of overseers", "operator_training"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=55 * mm, flags=flags))
    legal = ctx.catalogue.legal["deployer"]
    out.append(p("Deployer's duties to inform (Art. 26(7), 26(11))", st.h3))
    out.append(p(" ".join(legal["art26_7"].split()) + " " + " ".join(legal["art26_11"].split()), st.small))
    pairs, flags = [], {}
    for label, f in (
        ("Workers informed (Art. 26(7))", "worker_information"),
        ("Affected persons informed (Art. 26(11))", "person_information"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=55 * mm, flags=flags))
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


def s9_risks(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S9")
    risks = ctx.risks
    bands = Counter(x.band for x in risks)
    out.append(
        p(
            f"{len(risks)} risk entr{'y' if len(risks) == 1 else 'ies'} from this audit: every failed or insufficient-evidence "
            f"verdict becomes one. High: {bands['high']}, medium: {bands['medium']}, low: {bands['low']}; not rated "
            f"(group or comparator below the minimum size of {r.spec.min_group_size} rows): {bands[UNRATED]}."
        )
    )
    out.append(p(ctx.catalogue.statement("risk_method"), st.note))
    controls, cflag = ctx.declared("risk_controls")
    owner, oflag = ctx.declared("risk_owner")
    if risks:
        rows = [
            [
                "ID",
                "Risk (check, group vs comparator)",
                "Status",
                "Statistic [CI]",
                "L",
                "S",
                "Rating",
                "Controls · owner · residual",
            ]
        ]
        flags = {}
        ctl_text = PROVIDER_TEXT if cflag else "see the declared controls below"
        unrated = [x for x in risks if x.band == UNRATED]
        divider = 0
        for x in risks:
            if x is (unrated[0] if unrated else None):
                rows.append(
                    [
                        p(
                            f"Not rated: {len(unrated)} entr{'y' if len(unrated) == 1 else 'ies'} whose group or comparator "
                            f"has fewer than {r.spec.min_group_size} rows. A point estimate from so few rows is no basis "
                            "for a rating: insufficient evidence; collect more data for these groups.",
                            st.cell_bold,
                        ),
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                divider = len(rows) - 1
                flags[(0, divider)] = "small"
            if x.band == UNRATED:
                rows.append(
                    [
                        x.id,
                        cell(
                            f"{x.check} · {F.level(x.level)}: {x.group_values} vs {x.comparator_values} · "
                            f"n {F.count(x.n_group)} / {F.count(x.n_comparator)}"
                        ),
                        cell(F.STATUS_TEXT[x.status]),
                        cell(x.statistic.replace(" [", "\n[")),
                        "–",
                        "–",
                        cell("not rated"),
                        cell(ctl_text),
                    ]
                )
                flags[(2, len(rows) - 1)] = "insufficient"
                flags[(6, len(rows) - 1)] = "small"
                if cflag:
                    flags[(7, len(rows) - 1)] = "provider"
                continue
            share = f" · {F.pct(x.share)} of rows" if x.share is not None else ""
            rows.append(
                [
                    x.id,
                    cell(f"{x.check} · {F.level(x.level)}: {x.group_values} vs {x.comparator_values}{share}"),
                    cell(F.STATUS_TEXT[x.status], bold=x.status == "fail"),
                    cell(x.statistic.replace(" [", "\n[")),
                    str(x.likelihood),
                    str(x.severity),
                    cell(f"{x.rating} {x.band}", bold=x.band == "high"),
                    cell(ctl_text),
                ]
            )
            ri = len(rows) - 1
            flags[(2, ri)] = "fail" if x.status == "fail" else "insufficient"
            if x.band == "high":
                flags[(6, ri)] = "fail"
            elif x.band == "medium":
                flags[(6, ri)] = "insufficient"
            if cflag:
                flags[(7, ri)] = "provider"
        span = [("SPAN", (0, divider), (-1, divider)), ("BACKGROUND", (0, divider), (-1, divider), "#eeeeee")] if unrated else []
        out.append(
            table(
                rows,
                [11 * mm, 72 * mm, 20 * mm, 22 * mm, 6 * mm, 6 * mm, 14 * mm, TEXT_WIDTH - 151 * mm],
                flags=flags,
                font_size=6.5,
                extra=span,
            )
        )
        out.append(p("L likelihood, S severity (1 low – 3 high); rating = L × S.", st.note))
    else:
        out.append(
            p(
                "No check failed or lacked evidence, so this audit adds no risk entries. Risks outside its scope "
                "(S12) still need the provider's risk management system (Art. 9)."
            )
        )
    out += s9_measures(ctx)
    pairs, flags = [], {}
    for label, f in (
        ("Controls for the risks (Art. 9(4))", "risk_controls"),
        ("Risk owner", "risk_owner"),
        ("Residual risk and its acceptance (Art. 9(5))", "residual_risk_acceptance"),
        ("Organisational risk tolerance (MAP 1.5)", "risk_tolerance"),
        ("Costs of wrong decisions (MAP 3.2)", "error_costs"),
        ("Reasonably foreseeable misuse (Art. 9(2)(b))", "foreseeable_misuse"),
        ("Risk treatment resources, alternatives, new risks (MANAGE 2)", "risk_response"),
        ("AI risk policies and culture (GOVERN 4)", "governance_policies"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=60 * mm, flags=flags))
    out.append(p("Go / no-go recommendation", st.h2))
    out.append(p(f"<b>{esc(recommendation(r))}</b>", markup=True))
    t = ctx.trail
    if t and t.signoffs:
        last = t.signoffs[-1]
        out.append(
            p(
                f"Recorded decision: {last.decision.replace('_', ' ')} by {last.reviewer} ({last.role}) on {last.time[:10]}"
                + (f", conditions: {last.conditions}" if last.conditions else "")
                + "."
            )
        )
    else:
        out.append(p("Recorded decision: " + PROVIDER_TEXT + " (the approver's sign-off in the workspace; see S0)."))
    return out


def s10_security(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S10")
    out.append(p("Artifact hashes", st.h2))
    rows = [["Artifact", "File", "Size (bytes)", "SHA-256"]]
    rows.append(["Evaluation dataset", cell(PurePath(r.data.path).name), F.count(r.data.size_bytes), mono(r.data.sha256)])
    if r.model:
        rows.append(["Model", cell(PurePath(r.model.path).name), F.count(r.model.size_bytes), mono(r.model.sha256)])
    else:
        rows.append(["Model", cell(f"{NOT_ASSESSED_TEXT}: predictions-only"), "", ""])
    rows.append(["Audit result", cell("canonical JSON of the result"), "", mono(ctx.result_sha256)])
    if ctx.trail:
        rows.append(["Trail head", cell(ctx.trail.workspace), "", mono(ctx.trail.head_hash)])
    out.append(table(rows, [28 * mm, 40 * mm, 20 * mm, TEXT_WIDTH - 88 * mm]))
    out.append(
        p(
            "Any change to a file changes its SHA-256; recompute it (e.g. sha256sum) and compare before relying on this report.",
            st.note,
        )
    )
    out.append(p("How the model was loaded", st.h2))
    if r.model:
        fmt = r.model.format
        types = f" plus the types the user trusted: {', '.join(r.model.trusted_types)}" if r.model.trusted_types else ""
        text = _MODEL_LOADING.get(fmt, f"{fmt} file.").format(types=types)
        if fmt in ("pickle", "joblib") or r.model.trusted:
            text += (
                " The user explicitly trusted this file"
                + (f" (types: {', '.join(r.model.trusted_types)})" if r.model.trusted_types else "")
                + "."
            )
        out.append(p(text))
    else:
        out.append(p(f"No model file was loaded: the decisions were read from the {r.decision_source}."))
    out.append(p("Data stayed on this machine", st.h2))
    if not r.provenance.network_used:
        out.append(
            p(
                "The audit recorded no network use (network_used = false): Attest has no network code, and the data, the "
                "model and the results were processed on the machine named in S0."
            )
        )
    else:
        out.append(
            p("✗ The audit recorded network use (network_used = true). Find out what was sent before relying on this report.")
        )
    out.append(p("Personal data in the evaluation set", st.h2))
    out.append(
        p(
            f"The evaluation set ({F.count(r.data.rows)} rows, {len(r.data.columns)} columns, stored at {r.data.path}) holds the "
            f"sensitive attributes {', '.join(r.spec.sensitive)} and the outcome '{r.spec.target}'. Treat it as personal data, "
            "possibly of special categories: the Art. 10(5) conditions are in S4. This report shows only aggregates by group; "
            "local explanation examples (S7) show feature values of individual rows but no identifiers."
        )
    )
    out.append(p("Robustness and cybersecurity", st.h2))
    out.append(p(f"{NOT_ASSESSED_TEXT}: " + ctx.catalogue.texts["not_tested"]["robustness"]))
    para, flag = ctx.declared("security_measures")
    out.append(
        kv_table(
            [("Cybersecurity measures (Art. 15(5), Annex IV 2(h))", para)], key_width=60 * mm, flags={0: flag} if flag else None
        )
    )
    return out


def s11_monitoring(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S11")
    mon = ctx.catalogue.texts["monitoring"]
    checks = ", ".join(c.id for c in r.spec.policy.checks)
    m = r.overall.metrics
    acc = m.get("accuracy")
    acc_alert = (
        f"below {F.num(acc.ci_low)}, the lower end of this audit's interval"
        if acc and acc.ci_low is not None
        else "a drop the provider declares"
    )
    rows = [
        ["Area", "What to track in production", "Baseline from this audit", "Suggested alert"],
        [
            cell("Performance", bold=True),
            cell(mon["performance"]),
            cell(f"accuracy {F.est(acc)}\nTPR {F.est(m.get('tpr'))}\nFPR {F.est(m.get('fpr'))}"),
            cell(f"accuracy {acc_alert}"),
        ],
        [
            cell("Fairness", bold=True),
            cell(mon["fairness"].format(checks=checks, min_size=r.spec.min_group_size)),
            cell(r.summary.sentence()),
            cell("any check failing, or a new group lacking evidence"),
        ],
        [
            cell("Drift", bold=True),
            cell(mon["drift"]),
            cell("group shares and base rates in the table below"),
            cell(
                f"a group's share moves by more than {mon['drift_share_pp']:g} percentage points, or its base rate by more than "
                f"{mon['drift_rate_pp']:g} percentage points"
            ),
        ],
        [cell("Re-audit", bold=True), cell(mon["reaudit"]), cell(f"this audit: {r.provenance.finished_at[:10]}"), cell("—")],
        [cell("Logs", bold=True), cell(mon["logs"]), cell("—"), cell("—")],
    ]
    out.append(table(rows, [20 * mm, 62 * mm, 48 * mm, TEXT_WIDTH - 130 * mm], zebra=False))
    out.append(
        p(
            "The thresholds are suggestions derived from this audit; the provider's post-market monitoring plan (Art. 72) "
            "decides them.",
            st.note,
        )
    )
    out.append(p("Baseline by group", st.h2))
    rows = [["Attribute", "Group", "Share", "Base rate", "Sel. rate", "TPR", "FPR"]]
    for g in [g for g in r.groups if len(g.level) == 1]:
        rows.append(
            [
                cell(F.level(g.level)),
                cell(F.group(g.attributes, values_only=True) + (f"  {F.SMALL_MARK}" if g.small else "")),
                F.pct(g.share),
            ]
            + [F.num(g.metrics[k].value) for k in ("base_rate", "selection_rate", "tpr", "fpr")]
        )
    out.append(table(rows, [30 * mm, 50 * mm, 18 * mm, 19 * mm, 19 * mm, 19 * mm, TEXT_WIDTH - 155 * mm], align_right_from=2))
    pairs, flags = [], {}
    for label, f in (
        ("Adopted monitoring plan (Art. 72)", "monitoring_plan"),
        ("Decision logging (Art. 12, 19, 26(6))", "production_logging"),
        ("Feedback and appeal channels (MEASURE 3.3)", "feedback_channels"),
        ("Serious-incident reporting (Art. 73)", "incident_reporting"),
        ("QMS procedures (Art. 17(1)(g)-(i))", "qms_procedures"),
        ("Engagement with affected people (GOVERN 5, MAP 5.2)", "stakeholder_engagement"),
        ("Continual improvement, communication of incidents (MANAGE 4.2-4.3)", "improvement_plan"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            flags[len(pairs) - 1] = flag
    out.append(p("Provider's plan", st.h2))
    out.append(kv_table(pairs, key_width=60 * mm, flags=flags))
    legal = ctx.catalogue.legal
    out.append(p("Serious incidents (Art. 73)", st.h3))
    out.append(p(" ".join(legal["incidents"]["text"].split()), st.small))
    out.append(p(" ".join(legal["qms"]["text"].split()) + f" ({legal['qms']['source']})", st.small))
    return out


def s12_conclusion(ctx: RenderContext) -> list:
    r, st = ctx.result, styles()
    out = ctx.section_start("S12")
    out.append(p("What was not tested, and why", st.h2))
    rows = [["Item", "Why"]]
    flags = {}
    for na in r.not_assessed:
        rows.append([cell(f"{NOT_ASSESSED_TEXT}: {na.item}"), cell(na.reason)])
        flags[(0, len(rows) - 1)] = "small"
    for key, text in ctx.catalogue.texts["not_tested"].items():
        rows.append([cell(f"{NOT_ASSESSED_TEXT}: {key}"), cell(text)])
        flags[(0, len(rows) - 1)] = "small"
    out.append(table(rows, [50 * mm, TEXT_WIDTH - 50 * mm], flags=flags))
    if r.warnings:
        out.append(p("Warnings from the run", st.h3))
        out += [p("• " + w, st.small) for w in r.warnings]
    out.append(p("Representativeness", st.h2))
    out.append(ctx.statement("representativeness"))
    small = sum(1 for g in r.groups if g.small)
    out.append(
        p(
            f"Here: {F.count(r.overall.n)} evaluated rows; {small} of {len(r.groups)} groups below {r.spec.min_group_size} rows; "
            f"the reference groups are listed in S6."
        )
    )
    out.append(p("What the provider must still supply", st.h2))
    needed: dict[str, list[str]] = {}
    for row in ctx.coverage.rows:
        for e in row.evidence:
            if e.state == PROVIDER:
                needed.setdefault(e.detail, []).append(
                    row.requirement.ref if row.requirement.framework != "NIST AI RMF" else row.requirement.ref
                )
    rows = [["Item", "Needed for"]]
    flags = {}
    for item, refs in needed.items():
        rows.append([cell(f"✎ {item}"), cell(", ".join(dict.fromkeys(refs)))])
        flags[(0, len(rows) - 1)] = "provider"
    out.append(table(rows, [85 * mm, TEXT_WIDTH - 85 * mm], flags=flags))
    out.append(
        p(
            "In any case the provider supplies the EU declaration of conformity (Art. 47), the instructions for use (Art. 13), "
            "the quality management system (Art. 17), registration (Art. 49) where required, and the conformity assessment (Art. 43).",
            st.note,
        )
    )
    out.append(p("Conclusion", st.h2))
    out.append(p(f"<b>{esc(r.summary.sentence())}</b> " + esc(recommendation(r)), markup=True))
    out.append(ctx.statement("no_overclaim"))
    out.append(p("Not legal advice", st.h2))
    out.append(ctx.statement("not_legal_advice"))
    return out
