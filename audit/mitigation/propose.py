"""`propose(ws, run_id, ...)`: the mitigation what-if of a recorded run, as one JSON-ready dict.

Fitted on one part of the run's evaluation rows and judged on the other: the group-specific thresholds, the audit of
the mitigated and of the original decisions on the same held-out rows, the alternatives that do not use the
sensitive attribute when deciding, the trade-off between fairness and accuracy, and the caveats, every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from audit.hashing import canonical_json, sha256_bytes
from audit.mitigation import reweigh, thresholds, tradeoff
from audit.mitigation.heldout import audit_decisions
from audit.mitigation.source import RunTable, load_run
from audit.mitigation.split import check_fit_groups, stratified_split

if TYPE_CHECKING:
    from audit.trail import Workspace

SCHEMA = "attest.mitigation/1"
FLOOR_MARGIN = 0.02  # default accuracy floor: the original decisions' accuracy on the fit rows, less this

CAVEAT_TREATMENT = (
    "Group-specific thresholds use the sensitive attribute at decision time: the same score gets a different "
    "decision depending on the person's group. That is disparate treatment, unlawful in some settings (e.g. US "
    "credit and employment law: ECOA/Regulation B, Title VII), and needs a legal basis under the EU AI Act "
    "(Art. 10(5) for processing special categories) and the GDPR (Art. 9). Take legal advice before adopting it; "
    "the alternatives below do not use the attribute when deciding."
)
CAVEAT_HELDOUT = (
    "Thresholds were fitted on the fit rows only; 'before' and 'after' audit the same held-out rows, so "
    "their intervals are wider than the full run's."
)
CAVEAT_SAME_DATA = (
    "The held-out rows come from the evaluation data of the run: the effect on future applicants "
    "is an estimate that holds only while that population and the model's scores stay the same."
)
CAVEAT_EG = (
    "Retraining with fairlearn's ExponentiatedGradient (needs the training data and an unfitted estimator) is not offered yet."
)


@dataclass(frozen=True)
class Options:
    constraint: str
    objective: str = "accuracy"
    seed: int = 0
    test_size: float = 0.5
    accuracy_floor: float | None = None
    by: tuple[str, ...] | None = None  # sensitive features that define the threshold groups (None: all of the run's)


def propose(
    ws: Workspace, run_id: str, options: Options, *, reweigh_table: RunTable | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The proposal (JSON-ready) and the parts the caller writes or records: `weights` (per-row, for the CSV),
    `table` (the run's rows)."""
    thresholds.check_choice(options.constraint, options.objective)
    t = load_run(ws, run_id, options.by)
    spec = t.spec
    sp = stratified_split(t.group, t.y, seed=options.seed, test_size=options.test_size)
    f, h = sp.fit, sp.test
    check_fit_groups(t.group, t.y, f)
    rule = thresholds.fit_rule(t.scores[f], t.y[f], t.group[f], options.constraint, options.objective)
    mitigated = rule.decide(t.scores[h], t.group[h], options.seed)
    before = audit_decisions(t, h, t.decisions[h], "before")
    after = audit_decisions(t, h, mitigated, "after")
    min_size, ci = spec.min_group_size, spec.ci_level
    point = {
        name: tradeoff.operating_point(name, how, t.y[h], d, t.group[h], options.constraint, min_size, ci)
        for name, how, d in (("before", "as audited", t.decisions[h]), ("after", "ThresholdOptimizer", mitigated))
    }

    fit_acc = float(np.mean(t.decisions[f] == t.y[f]))
    floor = options.accuracy_floor if options.accuracy_floor is not None else round(fit_acc - FLOOR_MARGIN, 6)
    single = thresholds.single_threshold(t.scores[f], t.y[f], t.group[f], options.constraint, floor, min_size)
    single["floor_source"] = (
        "--accuracy-floor"
        if options.accuracy_floor is not None
        else f"the original decisions' accuracy on the fit rows ({fit_acc:.4f}) less {FLOOR_MARGIN:g}"
    )
    single["uses_sensitive_attribute"] = False
    if single["threshold"] is not None:
        d = (t.scores[h] >= single["threshold"]).astype(np.int64)
        single["held_out"] = tradeoff.operating_point(
            "single threshold", "single threshold", t.y[h], d, t.group[h], options.constraint, min_size, ci
        )
        single["audit"] = audit_decisions(t, h, d, "single_threshold")

    rw = reweigh_table or t
    w, cells = reweigh.weights(rw.group, rw.y)
    points = tradeoff.tradeoff(
        y_fit=t.y[f],
        s_fit=t.scores[f],
        g_fit=t.group[f],
        y=t.y[h],
        s=t.scores[h],
        g=t.group[h],
        original=t.decisions[h],
        constraint=options.constraint,
        objective=options.objective,
        seed=options.seed,
        min_size=min_size,
        ci=ci,
        fit_rule=thresholds.fit_rule,
        strict=mitigated,
        thresholds=thresholds.grid(t.scores[f], 21),
    )
    described = rule.describe()
    chance = rule.probability(t.scores[h], t.group[h])  # a randomised rule's audit is of one draw; this is its mean
    expected = {str(g): float(chance[t.group[h] == g].mean()) for g in np.unique(t.group[h])}
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "run_id": run_id,
        "data_sha256": t.data_sha256,
        "method": "fairlearn.postprocessing.ThresholdOptimizer",
        "constraint": options.constraint,
        "fairlearn_constraint": thresholds.CONSTRAINTS[options.constraint],
        "objective": options.objective,
        "prefit": True,
        "predict_method": thresholds.PREDICT_METHOD,
        "fairlearn_version": _version("fairlearn"),
        "groups": "combinations of " + ", ".join(options.by or spec.sensitive),
        "split": sp.to_dict(),
        "thresholds": described,
        "randomised": any(v["randomised"] for v in described.values()),
        "comparison": {
            "before": point["before"],
            "after": point["after"],
            "method": tradeoff.METHOD,
            "after_expected_selection_rate_by_group": expected,
        },
        "before": before,
        "after": after,
        "held_out_audits": (
            "'before' and 'after' are full audits by the engine (predictions-only mode, the run's "
            "spec) of the held-out rows, written for it to a temporary file that is deleted "
            "afterwards: their data path and SHA-256 are that table's, not the run's data file."
        ),
        "alternatives": {
            "single_threshold": single,
            "reweighing": {
                "method": "Kamiran-Calders: weight = P(group) P(label) / P(group, label)",
                "data": "the run's evaluation data" if reweigh_table is None else "the --reweigh-data file",
                "cells": cells,
                "expected_effect": reweigh.EFFECT,
                "uses_sensitive_attribute": False,
            },
            "exponentiated_gradient": {"status": "not offered yet", "reason": CAVEAT_EG},
        },
        "tradeoff": points,
        "tradeoff_method": tradeoff.METHOD,
        "caveats": caveats(described, t, options),
    }
    return result, {"weights": w, "table": rw}


def caveats(described: dict[str, Any], t: RunTable, options: Options) -> list[str]:
    out = [CAVEAT_TREATMENT, CAVEAT_HELDOUT, CAVEAT_SAME_DATA]
    chance = sorted(g for g, v in described.items() if v["randomised"])
    if chance:
        out.append(
            f"The rule is randomised for {len(chance)} group(s) ({', '.join(chance[:5])}"
            f"{' ...' if len(chance) > 5 else ''}): near the threshold, people with the same score and group "
            "may get different decisions by chance (drawn with the seed). Say so to those affected, or "
            "choose a deterministic alternative."
        )
    small = [g for g, n in zip(*np.unique(t.group, return_counts=True), strict=True) if n < t.spec.min_group_size]
    if small:
        out.append(
            f"{len(small)} group(s) have fewer than {t.spec.min_group_size} rows in the run; their thresholds "
            "rest on very few people."
        )
    out += [f"Reweighing: the expected effect is {reweigh.EFFECT}.", CAVEAT_EG]
    return out


def result_sha256(result: dict[str, Any]) -> str:
    """Hash of the proposal's canonical JSON (without its `recorded` block, which names the hash)."""
    return sha256_bytes(canonical_json({k: v for k, v in result.items() if k != "recorded"}))


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "unknown"
