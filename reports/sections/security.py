"""S10, security and privacy: artifact hashes, how the model file was loaded, whether data left the machine,
personal data in the evaluation set, robustness and cybersecurity."""

from __future__ import annotations

from pathlib import PurePath

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import format as F
from reports.context import NOT_ASSESSED_TEXT, RenderContext
from reports.layout import TEXT_WIDTH, Cell, cell, kv_table, mono, p, styles, table

_MODEL_LOADING = {
    "skops": (
        "skops file: loaded without running code from the file; only skops' default types and the exact type names "
        "Attest has reviewed{types} were allowed (never by prefix; calls such as exec, eval, getattr, os or subprocess "
        "are refused outright)."
    ),
    "onnx": "ONNX graph run by onnxruntime: a declarative format, no code from the file is executed.",
    "lightgbm": "LightGBM text model: parsed as data, no code from the file is executed.",
    "xgboost": "XGBoost model file (JSON/UBJSON): parsed as data, no code from the file is executed.",
    "pickle": "pickle file that the user explicitly trusted (--trust-pickle): loading a pickle runs code from the file.",
    "joblib": "joblib file that the user explicitly trusted (--trust-pickle): loading it runs code from the file.",
}


def s10_security(ctx: RenderContext) -> list[Flowable]:
    r, st = ctx.result, styles()
    out = ctx.section_start("S10")
    out.append(p("Artifact hashes", st.h2))
    rows: list[list[Cell]] = [["Artifact", "File", "Size (bytes)", "SHA-256"]]
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
