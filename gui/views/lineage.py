"""Lineage of an artifact as readable rich text (dataset -> training -> model -> audits -> reports -> sign-offs)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.trail import Artifact, DatasetLineage, ModelLineage


def lineage_html(lin: DatasetLineage | ModelLineage, artifacts: dict[str, Artifact] | None = None) -> str:
    artifacts = artifacts or {}

    def name(aid: str) -> str:
        a = artifacts.get(aid)
        return escape(f"{aid} ‘{a.name}’" if a is not None and a.name else aid)

    def when(t: str) -> str:
        return escape(t.replace("T", " ")[:19])

    out = []
    art = lin.artifact
    if art is not None:
        out.append(
            f"<b>{escape(art.kind.capitalize())} {name(art.id)}</b><br>{escape(art.format)}, SHA-256 "
            f"<code>{escape(art.sha256)}</code><br>registered {when(art.registered_at)} by "
            f"{escape(art.registered_by.label())}<br><code>{escape(art.path)}</code>"
        )
    else:
        unregistered = str(getattr(lin, "model_id", None) or getattr(lin, "dataset_id", ""))
        out.append(f"<b>{escape(unregistered)}</b> (audited by hash, never registered)")
    if hasattr(lin, "model_id"):
        out.append("<h4>Trained</h4>")
        if not lin.trainings:
            out.append("<i>No training recorded for this model.</i>")
        for t in lin.trainings:
            params = ", ".join(f"{escape(str(k))}={escape(str(v))}" for k, v in list(t.params.items())[:8])
            out.append(
                f"• {when(t.trained_at)} by {escape(t.trainer)} on {', '.join(name(d) for d in t.datasets)}"
                + (f"<br>&nbsp;&nbsp;{params}" if params else "")
                + (f"<br>&nbsp;&nbsp;code {escape(t.code_version)}" if t.code_version else "")
            )
    else:
        out.append("<h4>Models trained on it</h4>")
        out.append(", ".join(name(m) for m in lin.models) or "<i>None recorded.</i>")
    out.append("<h4>Audits</h4>")
    if not lin.audits:
        out.append("<i>Not audited yet.</i>")
    for a in lin.audits:
        out.append(
            f"• <b>{escape(a.run_id)}</b> {when(a.event.time)} by {escape(a.event.actor.label())}, result "
            f"<code>{escape(a.result_sha256[:16])}…</code>"
        )
        for r in a.reports:
            out.append(f"&nbsp;&nbsp;↳ report {escape(r.payload['path'])} (<code>{escape(r.payload['sha256'][:12])}…</code>)")
        for s in a.signoffs:
            p = s.payload
            cond = f": {escape(p['conditions'])}" if p.get("conditions") else ""
            out.append(
                f"&nbsp;&nbsp;↳ sign-off <b>{escape(p['decision'].replace('_', ' '))}</b> by {escape(p['reviewer'])} "
                f"({escape(p['role'])}) {when(s.time)}{cond}"
            )
        if not a.signoffs:
            out.append("&nbsp;&nbsp;↳ <i>awaiting sign-off</i>")
    return "<br>".join(out)
