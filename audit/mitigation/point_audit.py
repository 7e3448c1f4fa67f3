"""The full held-out audit of any one trade-off point of a proposal (the app's "see its audit" of a picked point).

A proposal stores each candidate's summary (fairness statistic, accuracy, group rates), not its decisions: they are
derived again from the run's files, the proposal's seed and split, and the point's rule, exactly as `propose` derived
them, and the derived point must equal the stored one before its audit is shown (else the files or the code changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from audit.errors import InputError
from audit.mitigation import thresholds, tradeoff
from audit.mitigation.heldout import audit_decisions
from audit.mitigation.source import RunTable, load_run
from audit.mitigation.split import stratified_split

if TYPE_CHECKING:
    from audit.trail import Workspace


def point_decisions(t: RunTable, proposal: dict[str, Any], point: dict[str, Any]) -> tuple[npt.NDArray[np.int64], np.ndarray]:
    """(decisions on the held-out rows, the held-out row positions) of `point`, one of `proposal["tradeoff"]`."""
    sp = proposal["split"]
    split = stratified_split(t.group, t.y, seed=sp["seed"], test_size=sp["test_size"])
    f, h = split.fit, split.test
    seed, constraint, objective = sp["seed"], proposal["constraint"], proposal["objective"]
    if point.get("original"):
        return np.asarray(t.decisions[h], dtype=np.int64), h
    if point["method"] == "single threshold":
        return (t.scores[h] >= point["threshold"]).astype(np.int64), h
    if point["method"] != "ThresholdOptimizer":
        raise InputError(f"The trade-off point '{point['label']}' has an unknown method {point['method']!r}.", _HINT)
    if point.get("tolerance") is None:  # the strict rule: fitted on the exact scores, as proposed
        rule = thresholds.fit_rule(t.scores[f], t.y[f], t.group[f], constraint, objective)
    else:
        decimals = point.get("fitted_on_scores_rounded_to")
        s_fit = np.round(t.scores[f], decimals) if decimals is not None else t.scores[f]
        rule = thresholds.fit_rule(s_fit, t.y[f], t.group[f], constraint, objective, tol=point["tolerance"])
    return np.asarray(rule.decide(t.scores[h], t.group[h], seed), dtype=np.int64), h


def audit_point(ws: Workspace, proposal: dict[str, Any], index: int) -> dict[str, Any]:
    """The audit (schema of `attest audit --json`) of trade-off point `index` on the proposal's held-out rows."""
    points = proposal["tradeoff"]
    if not 0 <= index < len(points):
        raise InputError(f"The proposal has {len(points)} trade-off points; there is no point {index}.", _HINT)
    point = points[index]
    if point["method"] == "ExponentiatedGradient":  # a retrained model is not kept: its audit was stored with it
        return dict(proposal["alternatives"]["exponentiated_gradient"]["audit"])
    by = _by(proposal)
    t = load_run(ws, proposal["run_id"], by)
    if t.data_sha256 != proposal["data_sha256"]:
        raise InputError(
            "The run's data file no longer hashes to what the proposal was computed on.",
            "Propose again on the run as it is recorded now.",
        )
    d, h = point_decisions(t, proposal, point)
    spec = t.spec
    again = tradeoff.operating_point(
        point["label"], point["method"], t.y[h], d, t.group[h], proposal["constraint"], spec.min_group_size, spec.ci_level
    )
    if not _same(again, point):
        raise InputError(
            f"The decisions of '{point['label']}' derived again differ from the proposal's: it was made from other files "
            "or by another version of Attest.",
            "Propose again, then pick the point.",
        )
    return audit_decisions(t, h, d, f"point-{index}")


def _by(proposal: dict[str, Any]) -> tuple[str, ...] | None:
    """The sensitive features whose combinations got their own thresholds (None: all of the run's)."""
    by = proposal.get("by")
    if by is None:
        raise InputError("The proposal does not say which features its thresholds are per (made by an older Attest).", _HINT)
    return None if list(by) == list(proposal["before"]["spec"]["sensitive"]) else tuple(by)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("value", "low", "high")
    return (
        all(a["accuracy"][k] == b["accuracy"][k] and a["disparity"][k] == b["disparity"][k] for k in keys)
        and a["selection_rate_by_group"] == b["selection_rate_by_group"]
    )


_HINT = "Pick a point of a proposal made by this version of Attest."
