"""S4 data governance and quality: datasheet, group counts and shares, base rate and missingness per group, candidate
proxies, data gaps, and the Art. 10(5) conditions for special categories of data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePath
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import PROVIDER_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, kv_table, mono, p, styles, table

if TYPE_CHECKING:
    from audit.result import AuditResult, LevelSummary


def column_role(r: AuditResult, name: str) -> str:
    spec = r.spec
    if name == spec.target:
        return "target (true outcome)"
    if name in spec.sensitive:
        return "sensitive attribute"
    if name == spec.predictions_column:
        return "decisions audited"
    if name == spec.scores_column:
        return "scores"
    if r.model is not None:
        return "model feature" if name in r.model.features else "not used by the model"
    return "other"


def single_levels(r: AuditResult) -> list[LevelSummary]:
    return [lv for lv in r.levels if len(lv.level) == 1]


def s4_data(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    d = r.data
    out = ctx.section_start("S4")
    out.append(p("Datasheet: evaluation dataset", st.h2))
    fmt = (
        d.format
        + (f", encoding {d.encoding}" if d.encoding else "")
        + (f", delimiter '{d.delimiter}'" if d.delimiter else "")
        + (f", sheet {d.sheet}" if d.sheet else "")
    )
    dropped = d.rows - r.quality.rows
    out.append(
        kv_table(
            [
                ("File", PurePath(d.path).name),
                ("Location", d.path),
                ("Format", fmt),
                ("Size", f"{F.count(d.size_bytes)} bytes"),
                (
                    "Rows",
                    f"{F.count(d.rows)} in the file; {F.count(r.quality.rows)} evaluated"
                    + (f" ({dropped} left out: no outcome)" if dropped > 0 else ""),
                ),
                ("Columns", str(len(d.columns))),
                ("SHA-256", mono(d.sha256)),
            ],
            key_width=30 * mm,
        )
    )
    rows: list[list[Cell]] = [["Column", "Type", "Missing", "Missing %", "Role in the audit"]]
    flags = {}
    for i, c in enumerate(d.columns, 1):
        share = c.missing / d.rows if d.rows else 0
        rows.append([cell(c.name), cell(c.dtype), F.count(c.missing), F.pct(share), cell(column_role(r, c.name))])
        if share >= 0.05:
            flags[(3, i)] = "insufficient"
            rows[-1][3] = F.pct(share) + " ▲"
    out.append(
        table(
            rows,
            [48 * mm, 22 * mm, 18 * mm, 18 * mm, TEXT_WIDTH - 106 * mm],
            flags=flags,
            align_right_from=2,
            extra=[("ALIGN", (4, 1), (4, -1), "LEFT")],
        )
    )
    if any(k[0] == 3 for k in flags):
        out.append(p("▲ at least 5% of the values are missing.", st.note))
    others = [x for x in (ctx.trail.lineage if ctx.trail else ()) if x.kind == "dataset" and x.sha256 != d.sha256]
    out.append(p("Other datasets in the lineage", st.h3))
    if others:
        rows = [["Dataset", "Role", "Registered by, when", "SHA-256"]]
        for x in others:
            rows.append([cell(x.label), cell(x.detail), cell(f"{x.actor}\n{x.time}"), mono(x.sha256 or "—")])
        out.append(table(rows, [62 * mm, 26 * mm, 36 * mm, TEXT_WIDTH - 124 * mm]))
        out.append(
            p(
                "Known from the workspace trail (path, size and SHA-256 at registration). Attest does not read training "
                "data, so their columns and missingness are not profiled here: the provider's datasheet covers them "
                "(Annex IV 2(d)).",
                st.note,
            )
        )
    else:
        out.append(
            p(
                "None recorded"
                + (": the trail holds no training record for this model" if ctx.trail else ": exported without a workspace")
                + ". The provider's datasheet for the training "
                "data (Annex IV 2(d)): " + PROVIDER_TEXT + "."
            )
        )

    out.append(p("Groups: counts, shares, base rates and missing values", st.h2))
    missing_by: defaultdict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], int] = defaultdict(int)
    for m in r.quality.missing_by_group:
        missing_by[(m.level, tuple(sorted(m.group.items())))] += m.missing
    rows = [["Attribute", "Group", "Rows", "Share", "Base rate [CI]", "Missing values"]]
    flags = {}
    for lv in single_levels(r):
        for g in [g for g in r.groups if g.level == lv.level]:
            label = (
                F.group(g.attributes, values_only=True)
                + (f"  {F.SMALL_MARK}" if g.small else "")
                + ("  (ref)" if g.attributes == lv.reference else "")
            )
            miss = missing_by.get((g.level, tuple(sorted(g.attributes.items()))), 0)
            rows.append(
                [
                    cell(F.level(lv.level)),
                    cell(label),
                    F.count(g.n),
                    F.pct(g.share),
                    F.est(g.metrics.get("base_rate")),
                    F.count(miss),
                ]
            )
            if g.small:
                flags[(1, len(rows) - 1)] = "small"
    out.append(table(rows, [30 * mm, 48 * mm, 16 * mm, 16 * mm, 36 * mm, TEXT_WIDTH - 146 * mm], flags=flags, align_right_from=2))
    out.append(
        p(
            f"{F.SMALL_MARK}: fewer than {r.spec.min_group_size} rows (the declared minimum group size); its checks "
            "are “insufficient evidence”. Intersections are listed in S6. The base rate is the share of actual positive "
            f"outcomes (“{r.positive_label}”) in the group.",
            st.note,
        )
    )

    if r.quality.missing_by_group:
        out.append(p("Missing values by group", st.h3))
        rows = [["Attribute", "Group", "Column", "Missing", "Share of group"]]
        for m in sorted(r.quality.missing_by_group, key=lambda m: -m.share)[:80]:
            rows.append(
                [
                    cell(F.level(m.level)),
                    cell(F.group(m.group, values_only=True)),
                    cell(m.column),
                    F.count(m.missing),
                    F.pct(m.share),
                ]
            )
        out.append(table(rows, [30 * mm, 45 * mm, 50 * mm, 20 * mm, TEXT_WIDTH - 145 * mm], align_right_from=3))
    else:
        out.append(
            p(
                "No column has missing values in any group (apart from the sensitive attributes' own “(missing)” groups, "
                "which are audited as groups)."
            )
        )

    out.append(p("Candidate proxy features", st.h2))
    q = r.quality
    if q.proxies:
        rows = [["Feature", "Associated with", "Cramér's V", "Strength", "Used by the model"]]
        flags = {}
        for i, pr in enumerate(q.proxies, 1):
            used = "—" if pr.used_by_model is None else ("yes ▲" if pr.used_by_model else "no")
            rows.append([cell(pr.feature), cell(pr.sensitive), f"{pr.cramers_v:.3f}", pr.strength, used])
            if pr.used_by_model:
                flags[(4, i)] = "insufficient"
        out.append(table(rows, [45 * mm, 40 * mm, 22 * mm, 25 * mm, TEXT_WIDTH - 132 * mm], flags=flags))
        marked = any(pr.used_by_model for pr in q.proxies)
        out.append(
            p(
                f"Bias-corrected Cramér's V between each column and each sensitive attribute (numeric columns with more "
                "than 10 distinct values grouped into five equal-count bins; other columns by their categories, the 50 most "
                f"frequent); listed from {q.proxy_threshold:g} (moderate) and 0.5 (strong). "
                + ("A proxy used by the model (▲) " if marked else "A proxy used by the model ")
                + "can carry group information into decisions even though the sensitive attribute is not an input; S7 "
                "shows how much the model relies on it.",
                st.note,
            )
        )
    else:
        out.append(p(f"No column reached Cramér's V ≥ {q.proxy_threshold:g} with a sensitive attribute."))

    out.append(p("Data gaps", st.h2))
    gaps = []
    small = [g for g in r.groups if g.small]
    if small:
        gaps.append(
            f"{len(small)} group(s) have fewer than {r.spec.min_group_size} rows: "
            + "; ".join(g.label for g in small[:12])
            + (" …" if len(small) > 12 else "")
            + "."
        )
    miss_groups = [g for g in r.groups if len(g.level) == 1 and "(missing)" in g.attributes.values()]
    if miss_groups:
        gaps.append(
            "Rows without a value in a sensitive attribute form their own group: "
            + ", ".join(f"{g.label} ({g.n})" for g in miss_groups)
            + "."
        )
    miss_cols = [c for c in d.columns if c.missing]
    if miss_cols:
        gaps.append("Columns with missing values: " + ", ".join(f"{c.name} ({c.missing})" for c in miss_cols[:15]) + ".")
    if dropped > 0:
        gaps.append(f"{dropped} rows had no outcome and could not be evaluated.")
    if not gaps:
        gaps.append("No small groups, no missing values and no rows without an outcome were found.")
    out += [p("• " + g) for g in gaps]
    pairs: list[tuple[str, object]] = []
    row_flags: dict[int, str] = {}
    for label, f in (
        ("How the gaps are addressed (Art. 10(2)(h))", "data_gaps_response"),
        ("Origin of the data (Art. 10(2)(b))", "data_origin"),
        ("Preparation: labelling, cleaning (Art. 10(2)(c))", "data_preparation"),
        ("Assumptions: what the data measure (Art. 10(2)(d))", "data_assumptions"),
        ("Design choices (Art. 10(2)(a))", "design_choices"),
        ("Representativeness of the population (MEASURE 2.2)", "population_representativeness"),
        ("Bias examination of the training data (Art. 10(2)(f))", "training_data_examination"),
    ):
        para, flag = ctx.declared(f)
        pairs.append((label, para))
        if flag:
            row_flags[len(pairs) - 1] = flag
    out.append(kv_table(pairs, key_width=70 * mm, flags=row_flags))

    out.append(p("Special categories of personal data (Art. 10(5))", st.h2))
    a105 = ctx.catalogue.texts["art10_5"]
    out.append(
        p(f"This audit processed the sensitive attributes {', '.join(r.spec.sensitive)}. " + " ".join(a105["intro"].split()))
    )
    para, flag = ctx.declared("special_category_safeguards")
    rows = [["Condition", "Confirmation"]]
    flags = {}
    for i, c in enumerate(a105["conditions"], 1):
        rows.append([cell(c), para if not flag else cell(PROVIDER_TEXT, bold=True)])
        if flag:
            flags[(1, i)] = "provider"
    out.append(table(rows, [TEXT_WIDTH - 45 * mm, 45 * mm], flags=flags, zebra=False))
    return out
