"""The set-up page's defaults: a first guess at the target column, and explanations only where there is a model.

The target: only a guess, and shown as one ("guessed: please check") until the user picks a target: a two-valued
column whose name says outcome (target, label, y, approved, default, decision …), else the last two-valued column;
never a column that is ticked as sensitive, used for the decisions or scores, or whose name looks like a protected
characteristic (a target of `sex` would audit the wrong thing without any error). What the user or a restored draft set
is never replaced. `guess_target` is the plain rule.

Explanations: with decisions from a predictions column there is no model to explain, so the option is off and
disabled with a tooltip saying why; it comes back as the user left it when a model file is chosen again.
A mixin of `SetupView`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QLabel

# The policy presets the page offers, with the line shown under the choice
POLICIES = {
    "four_fifths": "Four-fifths rule: each group's selection rate at least 0.8 × the highest group's.",
    "standard": "Four-fifths rule plus equalized odds (TPR and FPR within ±0.1 of the reference group).",
    "equal_opportunity": "Equal opportunity: TPR within ±0.1 of the reference group.",
    "equalized_odds": "Equalized odds: TPR and FPR within ±0.1 of the reference group.",
    "demographic_parity": "Demographic parity: selection rate within ±0.1 of the reference group.",
    "nyc_ll144": "NYC Local Law 144 bias audit: impact ratios by sex, race/ethnicity and both (EEO-1 labels), four-fifths verdict.",
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


class SetupDefaults:
    """Guessing the target when a preview loads, with the "guessed" mark beside the Target box until the user
    confirms or changes it; the explanation option following the decision source."""

    target_guessed: bool = False

    def _target_note(self) -> QLabel:
        from gui.views.common import muted

        self.target_guess_label = muted("")
        self.target_guess_label.setObjectName("target_guess")
        self.target_guess_label.setVisible(False)
        self._guessing = False
        self.target_combo.activated.connect(lambda _=0: self._target_confirmed())  # the user picked (even the same)
        self.target_combo.currentTextChanged.connect(lambda _t: self._guessing or self._target_confirmed())
        return self.target_guess_label

    def _target_confirmed(self) -> None:
        self.target_guessed = False
        self.target_guess_label.setVisible(False)
        self.target_combo.setToolTip(self.target_combo.accessibleName())
        self._update_ready()

    def guess_target_if_unset(self, pending_target: str | None, previous_guess: str | None = None) -> str | None:
        """After a preview: when no target is chosen (by the user, or waiting in a restored draft), choose the
        likeliest and mark it as a guess; a guess kept through a reload stays marked. Returns the guess or None."""
        if self.preview is None or pending_target:
            return None
        current = self.target_combo.currentText()
        if current and current != previous_guess:
            return None
        exclude = set(self.sensitive_features())
        if self.source_predictions.isChecked():
            exclude |= {self.predictions_combo.currentText(), self.scores_combo.currentData() or ""}
        guess = current or guess_target(self.preview.columns, self.preview.n_unique, exclude)
        if guess is None:
            return None
        self._guessing = True
        try:
            self.target_combo.setCurrentText(guess)
        finally:
            self._guessing = False
        self.target_guessed = True
        self.target_guess_label.setText(
            f"“{guess}” {GUESS_NOTE}: a two-valued column that is not a sensitive one. Choose the target to confirm it."
        )
        self.target_guess_label.setVisible(True)
        self.target_combo.setToolTip(f"Target {GUESS_NOTE}")
        return guess

    # ------------------------------------------------------------------ explanations need a model
    def _explain_follows_source(self, model: bool) -> None:
        if not hasattr(self, "explain_check"):
            return
        if not model and self.explain_check.isEnabled():
            self._explain_wanted = self.explain_check.isChecked()  # restored when a model file is chosen again
        self.explain_check.setEnabled(model)
        self.explain_check.setChecked(model and getattr(self, "_explain_wanted", self.explain_check.isChecked()))
        self.explain_check.setToolTip("Explain the model's decisions with SHAP" if model else NO_MODEL_TO_EXPLAIN)
        self.budget_spin.setEnabled(model and self.explain_check.isChecked())

    def _explain_needs_model(self, on: bool) -> None:
        """Ticked while the decisions come from a column (e.g. by a restored draft): it goes off again."""
        if on and not self.source_model.isChecked():
            self.explain_check.setChecked(False)
