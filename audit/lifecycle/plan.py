"""The monitoring plan's drift thresholds (TOML, `[drift]`), with documented defaults.

Effect sizes decide, p-values inform: with thousands of rows every KS or chi-squared p-value is tiny, so an alert
fires only when a distance exceeds its threshold. Defaults, and why:
- wasserstein_normed 0.15: the distributions moved by 0.15 reference standard deviations on average (the issue's
  example; for a shift of the mean alone it is the shift in sd units).
- psi 0.25: the credit-scoring convention (Siddiqi, Credit Risk Scorecards, 2006): < 0.1 stable, 0.1-0.25 some
  shift, > 0.25 a major shift.
- js 0.1: Jensen-Shannon distance (base 2, in [0, 1]); Evidently's default for categorical drift.
- missing_rate_change, decision_rate_change, group_share_change 0.05: five percentage points, absolute.
- new_category_share 0.01: 1% of the current rows carry a value the reference never had.
- min_sample 200: below it (non-missing rows, in either file) a distribution's finding is "insufficient evidence".
  With no drift at all, PSI over B bins is about (B - 1)(1/n_ref + 1/n_cur) from sampling alone, 0.09 at 200 rows
  each and 10 bins, 0.6 at 30: smaller samples would raise alerts on noise.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError

from audit.errors import InputError
from audit.refs import Frozen

_SECTIONS = {"drift", "monitor", "checks"}  # `monitor` and `checks` belong to the monitoring plan's other parts


class DriftPlan(Frozen):
    bins: int = Field(default=10, ge=2, le=100)
    min_sample: int = Field(default=200, ge=1)
    wasserstein_normed: float = Field(default=0.15, gt=0)
    psi: float = Field(default=0.25, gt=0)
    js: float = Field(default=0.1, gt=0, le=1)
    missing_rate_change: float = Field(default=0.05, gt=0, le=1)
    new_category_share: float = Field(default=0.01, gt=0, le=1)
    decision_rate_change: float = Field(default=0.05, gt=0, le=1)
    group_share_change: float = Field(default=0.05, gt=0, le=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)  # p-values below it are called "significant" in words only
    source: str = "defaults"


def load_plan(path: str | Path | None) -> DriftPlan:
    """The `[drift]` table of a monitoring plan file, or the defaults when no file is given."""
    if path is None:
        return DriftPlan()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"The monitoring plan {p} does not exist.", "Check the path given to --plan.") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"The monitoring plan {p} cannot be read: {exc}.",
                         "Write it as TOML, e.g. [drift] then psi = 0.2 on its own line.") from exc
    unknown = sorted(k for k, v in data.items() if isinstance(v, dict) and k not in _SECTIONS)
    if unknown:
        raise InputError(f"The monitoring plan {p} has unknown section(s): {', '.join(unknown)}.",
                         "Drift thresholds go in a [drift] table.")
    try:
        return DriftPlan.model_validate({**data.get("drift", {}), "source": str(p)})
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"The [drift] table of {p} is not valid: {why}.",
                         f"Its keys are: {', '.join(k for k in DriftPlan.model_fields if k != 'source')}.") from exc
