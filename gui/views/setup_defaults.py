"""The set-up page's defaults: the policy presets it offers, a first guess at the target column, and explanations
only where there is a model (the widgets that apply them: gui.views.setup_outcome and setup_stats).

The target: only a guess, and shown as one ("guessed: please check") until the user picks a target: a two-valued
column whose name says outcome (target, label, y, approved, default, decision …), else the last two-valued column;
never a column that is ticked as sensitive, used for the decisions or scores, or whose name looks like a protected
characteristic (a target of `sex` would audit the wrong thing without any error). What the user or a restored draft set
is never replaced. `guess_target` is the plain rule.

Explanations: with decisions from a predictions column there is no model to explain, so the option is off and
disabled with a tooltip saying why; it comes back as the user left it when a model file is chosen again."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# The policy presets the page offers, with the line shown under the choice
POLICIES = {
    "four_fifths": "Four-fifths rule: each group's selection rate at least 0.8 × the highest group's.",
    "standard": "Four-fifths rule plus equalized odds (TPR and FPR within ±0.1 of the reference group).",
    "equal_opportunity": "Equal opportunity: TPR within ±0.1 of the reference group.",
    "equalized_odds": "Equalized odds: TPR and FPR within ±0.1 of the reference group.",
    "demographic_parity": "Demographic parity: selection rate within ±0.1 of the reference group.",
    "nyc_ll144": (
        "NYC Local Law 144 bias audit: impact ratios by sex, race/ethnicity and both (EEO-1 labels), four-fifths verdict."
    ),
    "custom": "Your own thresholds, declared here before the run and recorded with it.",
}
POLICY_TITLES = {"custom": "Custom thresholds…", "nyc_ll144": "NYC Local Law 144 bias audit"}

# Names (or name parts) of protected characteristics and their usual proxies: never guessed as the target.
SENSITIVE_WORDS = frozenset(
    {
        "sex",
        "gender",
        "race",
        "racial",
        "age",
        "ethnicity",
        "ethnic",
        "religion",
        "religious",
        "disability",
        "disabled",
        "nationality",
        "national",
        "citizenship",
        "citizen",
        "origin",
        "marital",
        "married",
        "pregnancy",
        "pregnant",
        "orientation",
        "sexuality",
        "colour",
        "color",
        "caste",
        "ancestry",
        "veteran",
        "birth",
        "dob",
        "immigrant",
        "immigration",
        "language",
        "native",
        "tribe",
        "belief",
        "union",
        "health",
        "minority",
        "female",
        "male",
        "black",
        "white",
        "hispanic",
        "asian",
    }
)
# Whole names first, then name parts, that say "this is the outcome".
OUTCOME_NAMES = (
    "target",
    "label",
    "outcome",
    "y",
    "class",
    "default",
    "approved",
    "approval",
    "decision",
    "result",
    "response",
    "status",
    "granted",
    "accepted",
    "admitted",
    "hired",
    "repaid",
    "churn",
    "fraud",
    "recid",
    "defaulted",
    "paid",
    "survived",
    "income",
)
GUESS_NOTE = "guessed: please check"
NO_MODEL_TO_EXPLAIN = (
    "Explanations need a model: with decisions from a predictions column there is no model whose "
    "reasoning could be explained. Choose Decisions from: Model file to explain it."
)


def name_words(column: str) -> list[str]:
    """The words of a column name: `applicantAge` and `applicant_age` both give ["applicant", "age"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def looks_sensitive(column: str) -> bool:
    return any(w in SENSITIVE_WORDS for w in name_words(column))


def guess_target(columns: Iterable[str], n_unique: Mapping[str, int], exclude: Iterable[str] = ()) -> str | None:
    """The column most likely to be the outcome: two distinct values, not excluded, not sensitive-looking; by name
    (a whole-name match beats a name part, earlier in OUTCOME_NAMES first), else the last such column; None if none."""
    skip = set(exclude)
    binary = [c for c in columns if n_unique.get(c) == 2 and c not in skip and not looks_sensitive(c)]
    for name in OUTCOME_NAMES:
        whole = next((c for c in binary if c.lower().strip() == name), None)
        if whole is not None:
            return whole
    for name in OUTCOME_NAMES:
        part = next((c for c in binary if name in name_words(c)), None)
        if part is not None:
            return part
    return binary[-1] if binary else None
