"""Fairness policies: named presets and user TOML files, each a list of checks with declared thresholds."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import ValidationError, field_validator, model_validator

from audit.errors import PolicyError
from audit.refs import Frozen
from audit.stats.metrics import COUNT_METRICS


class Check(Frozen):
    """A bound on a disparity statistic: ratio or difference of `metric` between a group and its comparator."""

    id: str
    description: str = ""
    metric: str
    compare: Literal["ratio", "difference"]
    # reference: the declared reference group; max / min: the group with the highest / lowest value (four-fifths uses max).
    against: Literal["reference", "max", "min"] = "reference"
    min: float | None = None
    max: float | None = None
    levels: Literal["features", "intersections", "all"] = "all"

    @model_validator(mode="after")
    def _valid(self) -> Check:
        if self.metric not in COUNT_METRICS:
            raise ValueError(f"unknown metric '{self.metric}'; use one of {', '.join(COUNT_METRICS)}")
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.id}' needs a threshold: min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"check '{self.id}' has min {self.min} above max {self.max}")
        # Against the highest group every value is at most 1 (ratio) or 0 (difference), so only a lower bound means
        # something there, and only an upper bound against the lowest group.
        if self.against == "max" and self.max is not None:
            raise ValueError(f"check '{self.id}' compares with the highest group: give a min bound only (e.g. min = 0.8)")
        if self.against == "min" and self.min is not None:
            raise ValueError(f"check '{self.id}' compares with the lowest group: give a max bound only (e.g. max = 1.25)")
        return self

    def bounds(self) -> tuple[tuple[str, float], ...]:
        """The rule's one-sided parts: ("min", t) holds when the statistic is >= t, ("max", t) when <= t."""
        return tuple((side, t) for side, t in (("min", self.min), ("max", self.max)) if t is not None)

    def rule(self) -> str:
        against = f"the {self.against} group" if self.against != "reference" else "the reference group"
        stat = f"{self.metric} {self.compare} vs {against}"
        if self.min is not None and self.max is not None:
            return f"{self.min:g} <= {stat} <= {self.max:g}"
        return f"{stat} >= {self.min:g}" if self.min is not None else f"{stat} <= {self.max:g}"

    def holds(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class OutcomeWording(Frozen):
    """Plain words for the favourable outcome and for the two errors, as the people affected would put them.
    Empty fields get defaults built from the favourable label (audit/inputs.py `outcome_statement`)."""

    favourable: str = ""  # e.g. "loan approved", "assessed as low risk"
    false_negative: str = ""  # e.g. "refused a loan although they would have repaid it"
    false_positive: str = ""  # e.g. "granted a loan they could not repay"


class Policy(Frozen):
    name: str
    description: str = ""
    checks: tuple[Check, ...]
    # The chance of any false fail (and, separately, of any false pass) among all the policy's verdicts in a report.
    alpha: float = 0.05
    # holm: the verdicts are one family (every group comparison and bound, stated in the result with its size m):
    # deciding intervals at one-sided level alpha / m (Bonferroni), fails also by Holm's step-down on the one-sided
    # threshold tests. none: every verdict on its own at one-sided level alpha (the report says so per verdict).
    multiplicity: Literal["holm", "none"] = "holm"
    # interval: decide by the evidence (intervals and tests); point: the point estimate alone decides.
    decision: Literal["interval", "point"] = "interval"
    source: str = "preset"
    # The favourable outcome's value in the target, when the policy file declares it (else --positive-label).
    positive_label: str | None = None
    outcome: OutcomeWording = OutcomeWording()
    # "nyc_ll144": the run also computes the NYC Local Law 144 bias-audit tables (audit/nyc_tables.py).
    bias_audit: Literal["", "nyc_ll144"] = ""

    @field_validator("positive_label", mode="before")
    @classmethod
    def _label_text(cls, v: object) -> str | None:
        return None if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    @model_validator(mode="after")
    def _valid_alpha(self) -> Policy:
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"alpha must be between 0 and 0.5 (e.g. 0.05), not {self.alpha}")
        return self


_FOUR_FIFTHS = Check(
    id="four_fifths",
    metric="selection_rate",
    compare="ratio",
    against="max",
    min=0.8,
    description="US Uniform Guidelines (29 CFR 1607.4(D)): a selection rate below 4/5 of the highest group's "
    "is evidence of adverse impact.",
)
_EO_TPR = Check(
    id="equal_opportunity_tpr",
    metric="tpr",
    compare="difference",
    min=-0.1,
    max=0.1,
    description="True positive rate within 0.1 of the reference group (equal opportunity).",
)
_EO_FPR = Check(
    id="equalized_odds_fpr",
    metric="fpr",
    compare="difference",
    min=-0.1,
    max=0.1,
    description="False positive rate within 0.1 of the reference group (with the TPR check: equalized odds).",
)
_DP = Check(
    id="demographic_parity",
    metric="selection_rate",
    compare="difference",
    min=-0.1,
    max=0.1,
    description="Selection rate within 0.1 of the reference group (demographic parity).",
)

PRESETS: dict[str, Policy] = {
    "four_fifths": Policy(name="four_fifths", description="Four-fifths (80%) rule on selection rates.", checks=(_FOUR_FIFTHS,)),
    "equal_opportunity": Policy(
        name="equal_opportunity", description="Equal opportunity: TPR difference within 0.1.", checks=(_EO_TPR,)
    ),
    "equalized_odds": Policy(
        name="equalized_odds", description="Equalized odds: TPR and FPR differences within 0.1.", checks=(_EO_TPR, _EO_FPR)
    ),
    "demographic_parity": Policy(
        name="demographic_parity", description="Demographic parity: selection-rate difference within 0.1.", checks=(_DP,)
    ),
}
PRESETS["standard"] = Policy(
    name="standard", description="Four-fifths rule plus equalized odds within 0.1.", checks=(_FOUR_FIFTHS, _EO_TPR, _EO_FPR)
)
# Local Law 144 asks for the impact ratios to be published and sets no threshold: the four-fifths rule is the verdict
# (the usual benchmark of adverse impact), the bias-audit tables are computed beside it.
PRESETS["nyc_ll144"] = Policy(
    name="nyc_ll144",
    bias_audit="nyc_ll144",
    checks=(_FOUR_FIFTHS,),
    description="NYC Local Law 144 bias audit (6 RCNY § 5-300 et seq.): selection or scoring rates and impact ratios by "
    "sex, race/ethnicity and their intersection (EEO-1 categories), with the four-fifths rule as the verdict "
    "(the law itself sets no threshold).",
)


def resolve_policy(name_or_path: str) -> Policy:
    """A preset name, several joined by commas, or a TOML file."""
    text = name_or_path.strip()
    if text.endswith(".toml") or Path(text).is_file():
        return load_policy_file(Path(text))
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in PRESETS]
    if unknown or not names:
        raise PolicyError(
            f"Unknown policy {', '.join(unknown) or repr(text)}.",
            f"Use a preset ({', '.join(sorted(PRESETS))}), several joined by commas, or a path to a .toml policy file.",
        )
    if len(names) == 1:
        return PRESETS[names[0]]
    checks: dict[str, Check] = {}
    for n in names:
        checks.update({c.id: c for c in PRESETS[n].checks})
    return Policy(
        name="+".join(names),
        description="; ".join(PRESETS[n].description for n in names),
        checks=tuple(checks.values()),
        bias_audit=next((PRESETS[n].bias_audit for n in names if PRESETS[n].bias_audit), ""),
    )


def load_policy_file(path: Path) -> Policy:
    if not path.is_file():
        raise PolicyError(f"Policy file not found: {path}", "Check the path given to --policy.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"Policy file {path.name} is not valid TOML: {exc}", "Fix the syntax; see the README's policy file example."
        ) from exc
    data.setdefault("name", path.stem)
    data["source"] = str(path)
    if not data.get("checks"):
        raise PolicyError(
            f"Policy file {path.name} declares no checks.", "Add at least one [[checks]] table with metric, compare and min/max."
        )
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PolicyError(
            f"Policy file {path.name} is not valid: {problems}",
            "See the README's policy file example for the fields each check takes.",
        ) from exc
