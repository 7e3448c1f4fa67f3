"""The Mitigation page's work off the GUI thread (propose and record, audit a picked point, adopt, save) and its tables'
columns. Jobs are plain functions with `progress` and `cancel`, run by `gui.worker.Runner`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gui import theme
from gui.models.table import Column

if TYPE_CHECKING:
    from PySide6.QtGui import QColor

    from audit.cancel import CancelToken, Progress
    from audit.mitigation.propose import Options
    from audit.mitigation.retrain import RetrainOptions

CONSTRAINTS = (
    ("demographic_parity", "Demographic parity (equal selection rates)"),
    ("equal_opportunity", "Equal opportunity (equal true positive rates)"),
    ("equalized_odds", "Equalized odds (equal TPR and FPR)"),
)
OBJECTIVES = (("accuracy", "Accuracy"), ("balanced_accuracy", "Balanced accuracy"))


def propose_job(
    workspace: str, run_id: str, options: Options, retrain: RetrainOptions | None, *, progress: Progress, cancel: CancelToken
) -> dict[str, Any]:
    """Propose (fit on one part of the run's rows, audit both decisions on the other) and record the proposal."""
    from audit.mitigation.bind import record_and_bind
    from audit.mitigation.propose import propose
    from audit.trail import Workspace

    progress("mitigate", 0, 2, f"Fitting thresholds on part of {run_id} and auditing the held-out rows…")
    with Workspace.open(workspace, create=False) as ws:
        result, _ = propose(ws, run_id, options, retrain_options=retrain)
        cancel.raise_if_set()
        record_and_bind(ws, result)
    progress("mitigate", 2, 2, "Proposal recorded")
    return result


def point_job(
    workspace: str, proposal: dict[str, Any], index: int, *, progress: Progress, cancel: CancelToken
) -> tuple[int, dict[str, Any]]:
    from audit.mitigation.point_audit import audit_point
    from audit.trail import Workspace

    progress("point", 0, 1, f"Auditing '{proposal['tradeoff'][index]['label']}' on the held-out rows…")
    with Workspace.open(workspace, readonly=True) as ws:
        return index, audit_point(ws, proposal, index)


def adopt_job(
    workspace: str, proposal_id: str, comment: str | None, *, progress: Progress, cancel: CancelToken
) -> dict[str, Any]:
    from audit.mitigation.bind import adoption
    from audit.trail import Workspace

    with Workspace.open(workspace, create=False) as ws:
        return adoption(ws, proposal_id, comment)


def save_job(result: dict[str, Any], path: str, kind: str, *, progress: Progress, cancel: CancelToken) -> str:
    import json

    from audit.outputs import atomic_write

    if kind == "pdf":
        from reports.mitigation_pdf import mitigation_pdf

        data = mitigation_pdf(result)
    else:
        data = json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")
    atomic_write(path, data)
    return path


def interval(e: dict[str, Any] | None, lo: str = "low", hi: str = "high") -> str:
    if not e or e.get("value") is None:
        return "–"
    if e.get(lo) is None or e.get(hi) is None:
        return f"{e['value']:.3f}"
    return f"{e['value']:.3f} [{e[lo]:.3f}, {e[hi]:.3f}]"


def _group(g: dict[str, str]) -> str:
    return " & ".join(f"{k}={v}" for k, v in g.items()) or "everyone"


def _status_bg(status: str) -> QColor | None:
    return theme.color(status) if status in ("pass", "fail", "insufficient_evidence") else None


POINT_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("Operating point", lambda p: p["label"] + (" (original)" if p["original"] else "")),
    Column(
        "Uses the attribute",
        lambda p: "yes" if p.get("uses_sensitive_attribute") else ("–" if p["original"] else "no"),
        header_tip="Group-specific thresholds decide with the sensitive attribute: disparate treatment, see the caveat",
    ),
    Column(
        "Fairness gap [interval]",
        lambda p: interval(p["disparity"]),
        sort=lambda p: p["disparity"]["value"],
        numeric=True,
        header_tip="The constraint's statistic on the held-out rows: lower is fairer",
    ),
    Column("Accuracy [interval]", lambda p: interval(p["accuracy"]), sort=lambda p: p["accuracy"]["value"], numeric=True),
    Column("Pareto", lambda p: "yes" if p["pareto"] else "", header_tip="No other point is both fairer and more accurate"),
]
RULE_COLUMNS: list[Column[tuple[str, dict[str, Any]]]] = [
    Column("Group", lambda r: r[0]),
    Column(
        "Favourable outcome when",
        lambda r: "; ".join(
            f"score {x['operator']} {x['threshold']:.4g}" + (f" (p {x['probability']:.3f})" if len(r[1]["rule"]) > 1 else "")
            for x in r[1]["rule"]
        ),
    ),
    Column("Randomised", lambda r: "yes" if r[1]["randomised"] else "no"),
]
FLIP_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("Check", lambda v: v["check"]),
    Column("Group", lambda v: _group(v["group"])),
    Column("Original", lambda v: theme.STATUS_TEXT.get(v["before"], v["before"]), background=lambda v: _status_bg(v["before"])),
    Column("Mitigated", lambda v: theme.STATUS_TEXT.get(v["after"], v["after"]), background=lambda v: _status_bg(v["after"])),
]
CHANGE_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("Group", lambda c: _group(c["group"])),
    Column("Metric", lambda c: c["metric"] + (f" vs {_group(c['comparator'])}" if c.get("comparator") else "")),
    Column("Original", lambda c: interval(c["before"], "ci_low", "ci_high"), sort=lambda c: c["before"]["value"], numeric=True),
    Column("Mitigated", lambda c: interval(c["after"], "ci_low", "ci_high"), sort=lambda c: c["after"]["value"], numeric=True),
    Column(
        "Change",
        lambda c: interval(c["difference"], "ci_low", "ci_high"),
        sort=lambda c: abs(c["difference"]["value"] or 0),
        numeric=True,
        background=lambda c: theme.color("fail") if c["significant"] else None,
        header_tip="Mitigated minus original, with its interval; shaded where the interval excludes 0",
    ),
]
VERDICT_COLUMNS: list[Column[dict[str, Any]]] = [
    Column("Check", lambda v: v["check"]),
    Column("Group", lambda v: _group(v.get("group") or {})),
    Column("Verdict", lambda v: theme.STATUS_TEXT.get(v["status"], v["status"]), background=lambda v: _status_bg(v["status"])),
    Column("Reason", lambda v: v.get("reason") or ""),
]


def alternatives_html(result: dict[str, Any]) -> str:
    """The Alternatives tab: the remedies that do not use the sensitive attribute when deciding, and every caveat."""
    from html import escape

    alt = result["alternatives"]
    single, rw = alt["single_threshold"], alt["reweighing"]
    out = ["<h3>Without the sensitive attribute at decision time</h3>"]
    if single.get("threshold") is not None:
        out.append(
            f"<p><b>One threshold for everyone</b>: score ≥ {single['threshold']:.4g} (accuracy floor "
            f"{single['accuracy_floor']:.3f}: {escape(single['floor_source'])}). On the held-out rows: "
            f"gap {interval(single['held_out']['disparity'])}, accuracy {interval(single['held_out']['accuracy'])}.</p>"
        )
    else:
        out.append("<p><b>One threshold for everyone</b>: none keeps the accuracy floor.</p>")
    out.append(
        f"<p><b>Reweighing for retraining</b> ({escape(rw['method'])}): the expected effect is "
        f"{escape(rw['expected_effect'])}. Write the weights with <code>attest mitigate --reweigh-csv</code>.</p>"
    )
    eg = alt.get("exponentiated_gradient") or {}
    if eg.get("status") == "retrained":
        out.append(
            f"<p><b>Retrained with ExponentiatedGradient</b> ({escape(eg['estimator']['class'])}, "
            f"{eg['fairlearn_constraint']}, eps {eg['eps']:g}, on {eg['training_data']['rows']:,} training rows): "
            f"gap {interval(eg['held_out']['disparity'])}, accuracy {interval(eg['held_out']['accuracy'])} on the "
            "held-out rows; pick its point on the Trade-off tab to see its audit.</p>"
        )
    elif eg:
        out.append(f"<p><b>ExponentiatedGradient retraining</b>: {escape(eg.get('reason') or eg.get('status', ''))}</p>")
    out.append("<h3>Caveats</h3>" + "".join(f"<p>{escape(c)}</p>" for c in result["caveats"]))
    return "".join(out)
