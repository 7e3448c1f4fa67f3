"""The mitigation what-if report (`attest mitigate --pdf`, the app's Mitigation page): a few pages bound by hashes to
the run, the held-out rows and the proposal as the trail recorded it.

Built from the proposal's JSON only (a plain dict, as written by `attest mitigate --json`): the legal caveat first,
every time; the split; the rule; the trade-off chart; the held-out audits before and after, compared with
`attest compare`'s method; the alternatives that do not use the sensitive attribute when deciding."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.fonts import register_fonts
from reports.layout import TEXT_WIDTH, Picture, kv_table, mono, p, spacer, styles, table
from reports.short_pdf import short_pdf

TOP_CHANGES = 20


def _gap(point: dict[str, Any] | None) -> str:
    if not point:
        return F.DASH
    d, a = point["disparity"], point["accuracy"]
    gap = F.DASH if d["value"] is None else f"{d['value']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"
    acc = F.DASH if a["value"] is None else f"{a['value']:.3f} [{a['low']:.3f}, {a['high']:.3f}]"
    return f"{d['statistic']} {gap}; accuracy {acc}"


def _rule_text(rule: list[dict[str, Any]]) -> str:
    parts = [
        f"score {r['operator']} {r['threshold']:.4g}" + (f" (p {r['probability']:.3f})" if len(rule) > 1 else "") for r in rule
    ]
    return "; ".join(parts) or F.DASH


def _thresholds_table(thresholds: dict[str, Any]) -> Flowable:
    rows: list[list[Any]] = [["Group", "Decision rule (favourable outcome when)", "Randomised"]]
    for g, v in sorted(thresholds.items()):
        rows.append([g, _rule_text(v.get("rule", [])), "yes" if v.get("randomised") else "no"])
    return table(rows, [45 * mm, TEXT_WIDTH - 70 * mm, 25 * mm])


def _headline_table(r: dict[str, Any]) -> Flowable:
    c = r["comparison"]
    single = r["alternatives"]["single_threshold"]
    rows: list[list[Any]] = [["Decisions on the held-out rows", "Uses the attribute", "Fairness and accuracy [interval]"]]
    rows.append(["Original (as audited)", "-", _gap(c["before"])])
    rows.append(["Group thresholds (proposed)", "yes", _gap(c["after"])])
    if single.get("threshold") is not None:
        rows.append([f"One threshold for everyone ({single['threshold']:.4g})", "no", _gap(single.get("held_out"))])
    return table(rows, [52 * mm, 26 * mm, TEXT_WIDTH - 78 * mm])


def _verdict_counts(audit: dict[str, Any]) -> str:
    s = audit["summary"]
    return f"{s['passed']} pass, {s['failed']} fail, {s['insufficient_evidence']} insufficient"


def _changes_tables(changes: dict[str, Any]) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [p("Verdicts that changed", s.h2)]
    flips = changes.get("verdict_changes", [])
    if flips:
        rows: list[list[Any]] = [["Check", "Group", "Original", "Mitigated"]]
        flags: dict[tuple[int, int], str] = {}
        for i, v in enumerate(flips, start=1):
            rows.append(
                [
                    v["check"],
                    F.group(v["group"]),
                    F.STATUS_TEXT.get(v["before"], v["before"]),
                    F.STATUS_TEXT.get(v["after"], v["after"]),
                ]
            )
            for col, status in ((2, v["before"]), (3, v["after"])):
                if status in ("pass", "fail"):
                    flags[(col, i)] = status
        out.append(table(rows, [40 * mm, 50 * mm, (TEXT_WIDTH - 90 * mm) / 2, (TEXT_WIDTH - 90 * mm) / 2], flags=flags))
    else:
        out.append(p("No verdict changed."))
    moved = sorted(
        (c for c in changes.get("changes", []) if c["kind"] == "group" and c["significant"]),
        key=lambda c: -abs(c["difference"]["value"] or 0.0),
    )
    out.append(p("Group metrics that changed beyond their interval", s.h2))
    if not moved:
        out.append(p("None."))
        return out
    level = f"{changes['ci_level'] * 100:g}%"
    out.append(
        p(
            f"{len(moved)} changed beyond their {level} interval; "
            + (f"the {TOP_CHANGES} largest are shown" if len(moved) > TOP_CHANGES else "all are shown")
            + " (every change is in the JSON, under changes).",
            s.small,
        )
    )
    rows = [["Group", "Metric", "Original", "Mitigated", "Change [interval]"]]
    rows += [
        [F.group(c["group"]), F.metric(c["metric"]), _est(c["before"]), _est(c["after"]), _est(c["difference"], sign=True)]
        for c in moved[:TOP_CHANGES]
    ]
    out.append(table(rows, [34 * mm, 40 * mm, 32 * mm, 32 * mm, TEXT_WIDTH - 138 * mm]))
    return out


def _est(e: dict[str, Any], sign: bool = False) -> str:
    v, lo, hi = e.get("value"), e.get("ci_low"), e.get("ci_high")
    if v is None:
        return F.DASH
    fmt = "+.3f" if sign else ".3f"
    return f"{v:{fmt}}" + ("" if lo is None or hi is None else f" [{lo:{fmt}}, {hi:{fmt}}]")


def _chart(r: dict[str, Any]) -> list[Flowable]:
    from reports.charts.style import to_image
    from reports.charts.tradeoff import TradeoffDisplay

    display = TradeoffDisplay.from_mitigation(r)
    if not display.points:
        return [p("No operating point had both a fairness statistic and an accuracy: nothing to draw.")]
    fig = display.figure(theme="light")
    w_in, h_in = fig.get_size_inches()
    img = to_image(fig)
    return [Picture(img, width=TEXT_WIDTH, height=TEXT_WIDTH * h_in / w_in).fit(150 * mm)]


def _story(r: dict[str, Any]) -> list[Flowable]:
    s = styles()
    sp, rec = r["split"], r.get("recorded", {})
    story: list[Flowable] = [
        p("Mitigation what-if", s.title),
        p(f"Run {r['run_id']} · {r['constraint'].replace('_', ' ')} · {r['method']}", s.subtitle),
        p("Before adopting: the legal position", s.h1),
        p(r["caveats"][0], s.callout),
        p("Summary", s.h1),
    ]
    story += [p(line) for line in r["changes"]["summary"]]
    story += [spacer(1), _headline_table(r)]
    story.append(
        p(
            f"Held-out audits: original {_verdict_counts(r['before'])}; mitigated {_verdict_counts(r['after'])}. "
            "Both are full audits by the engine, with the run's policy, intervals and minimum group size.",
            s.small,
        )
    )
    story += [p("The trade-off", s.h1)]
    story += _chart(r)
    story.append(p(f"Method: {r['tradeoff_method']}.", s.small))
    story += [p("The proposed rule", s.h1), _thresholds_table(r["thresholds"])]
    story += [p("Before and after on the held-out rows", s.h1), *_changes_tables(r["changes"])]
    story += [p(n, s.note) for n in r["changes"].get("notes", [])]
    alt = r["alternatives"]
    story.append(p("Alternatives that do not use the sensitive attribute when deciding", s.h1))
    single = alt["single_threshold"]
    if single.get("threshold") is not None:
        story.append(
            p(
                f"One threshold for everyone: score ≥ {single['threshold']:.4g}, the least disparity on the fit rows with "
                f"accuracy at least {single['accuracy_floor']:.3f} ({single['floor_source']}). On the held-out rows: "
                f"{_gap(single.get('held_out'))}."
            )
        )
    else:
        story.append(p(f"One threshold for everyone: none keeps the accuracy floor {single.get('accuracy_floor')}."))
    rw = alt["reweighing"]
    rows: list[list[Any]] = [["Group", "Label", "Rows", "Weight"]]
    rows += [[c["group"], str(c["label"]), F.count(c["rows"]), f"{c['weight']:.4f}"] for c in rw["cells"]]
    story += [
        p(
            f"Reweighing for retraining ({rw['method']}), computed on {rw['data']}: "
            f"the expected effect is {rw['expected_effect']}."
        ),
        table(rows, [60 * mm, 30 * mm, 30 * mm, TEXT_WIDTH - 120 * mm]),
    ]
    eg = alt.get("exponentiated_gradient", {})
    if eg:
        story.append(p(eg.get("reason") or f"Retraining with ExponentiatedGradient: {eg.get('status')}.", s.small))
    story += [p("Caveats", s.h1)] + [p(c, s.small) for c in r["caveats"]]
    story += [p("Split and binding", s.h1)]
    story.append(
        kv_table(
            [
                ("Split", f"seed {sp['seed']}: fitted on {sp['fit_rows']:,} rows, audited on {sp['test_rows']:,} held-out rows"),
                ("Stratified by", f"{sp['stratified_by']} ({sp['strata']} strata, {sp['pooled_rows']} rows pooled)"),
                ("Split method", sp["method"]),
                ("Held-out rows SHA-256", mono(sp["test_rows_sha256"])),
                ("Run's data SHA-256", mono(r["data_sha256"])),
                ("Objective", r["objective"]),
                ("fairlearn", f"{r['fairlearn_version']} ({r['fairlearn_constraint']}, prefit, {r['predict_method']})"),
                ("Proposal", rec.get("proposal_id", "not recorded")),
                ("Result SHA-256", mono(rec.get("result_sha256", F.DASH))),
                ("Trail event", mono(rec.get("event_hash", F.DASH))),
                (
                    "Adopted by",
                    f"{rec['adopted_by']} ({rec['role']})" if rec.get("adopted_by") else "not adopted when this report was made",
                ),
            ]
        )
    )
    story.append(
        p(
            "The result SHA-256 is of the proposal's canonical JSON without its 'recorded' block; the trail's "
            "mitigation_proposed event records the same hash, so `attest verify` and a recomputation can check it.",
            s.note,
        )
    )
    return story


def mitigation_pdf(result: dict[str, Any]) -> bytes:
    """The PDF as bytes (the caller stages it with the JSON)."""
    register_fonts()
    rec = result.get("recorded", {})
    bound = f"Proposal {rec['proposal_id']}" if rec.get("proposal_id") else "Proposal (not recorded)"
    if rec.get("result_sha256"):
        bound += f" · {rec['result_sha256'][:16]}"
    return short_pdf(
        _story(result),
        title="Attest mitigation what-if",
        bound_to=bound,
        subject=f"{result['constraint']} for {result['run_id']}",
    )
