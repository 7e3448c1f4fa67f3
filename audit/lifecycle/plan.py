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

The `[monitor]` table (`attest monitor`) names the checks run on every window of a production log and their
thresholds. A check alerts only when the change is larger than its threshold AND its 95% interval excludes no
change, so a stable model raises alerts at well under the 5% false-alarm rate of the interval alone:
- selection_rate_change 0.05: a group's selection rate moved five points from the reference's.
- selection_ratio 0.8: a group's selection rate fell below four fifths of the most selected group's
  (the interval's upper end below 0.8).
- accuracy_drop 0.05, tpr_drop 0.05: realised (or, without outcomes, estimated) accuracy / true-positive rate
  five points below the reference's.
- group_drift: the [drift] thresholds applied within each group and intersection of a window (the audit's groups,
  up to its max order), against the same group's reference rows; a group with fewer than [drift] min_sample rows
  on either side is insufficient evidence.
- min_window 100: a window with fewer rows is insufficient evidence; min_group 30 for a group within a window.
- calibration_gap 0.03: the reference's expected accuracy (from its scores) may differ from its realised accuracy by
  this much before the estimates are flagged as resting on uncalibrated scores.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

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


CheckName = Literal["selection_rate_change", "selection_ratio", "accuracy_drop", "tpr_drop", "drift", "group_drift"]
MONITOR_CHECKS: tuple[CheckName, ...] = (
    "selection_rate_change",
    "selection_ratio",
    "accuracy_drop",
    "tpr_drop",
    "drift",
    "group_drift",
)


class MonitorPlan(Frozen):
    checks: tuple[CheckName, ...] = MONITOR_CHECKS
    selection_rate_change: float = Field(default=0.05, gt=0, le=1)
    selection_ratio: float = Field(default=0.8, gt=0, le=1)
    accuracy_drop: float = Field(default=0.05, gt=0, le=1)
    tpr_drop: float = Field(default=0.05, gt=0, le=1)
    min_window: int = Field(default=100, ge=1)
    min_group: int = Field(default=30, ge=1)
    calibration_gap: float = Field(default=0.03, gt=0, le=1)
    ci_level: float = Field(default=0.95, gt=0.5, lt=1)
    drift: DriftPlan = Field(default_factory=DriftPlan)
    source: str = "defaults"


def _read(path: str | Path) -> tuple[Path, dict[str, Any]]:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"The monitoring plan {p} does not exist.", "Check the path given to --plan.") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            f"The monitoring plan {p} cannot be read: {exc}.", "Write it as TOML, e.g. [drift] then psi = 0.2 on its own line."
        ) from exc
    return p, data


def load_plan(path: str | Path | None) -> DriftPlan:
    """The `[drift]` table of a monitoring plan file, or the defaults when no file is given."""
    if path is None:
        return DriftPlan()
    p, data = _read(path)
    unknown = sorted(k for k, v in data.items() if isinstance(v, dict) and k not in _SECTIONS)
    if unknown:
        raise InputError(
            f"The monitoring plan {p} has unknown section(s): {', '.join(unknown)}.", "Drift thresholds go in a [drift] table."
        )
    try:
        return DriftPlan.model_validate({**data.get("drift", {}), "source": str(p)})
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(
            f"The [drift] table of {p} is not valid: {why}.",
            f"Its keys are: {', '.join(k for k in DriftPlan.model_fields if k != 'source')}.",
        ) from exc


def load_monitor_plan(path: str | Path | None) -> MonitorPlan:
    """The `[monitor]` table (checks, thresholds, minimum sizes) with the `[drift]` thresholds inside it."""
    if path is None:
        return MonitorPlan()
    drift = load_plan(path)  # checks the file, its sections and the [drift] table
    p, data = _read(path)
    table = data.get("monitor", {})
    if not isinstance(table, dict):
        raise InputError(f"`monitor` in {p} is not a table.", "Write [monitor] on its own line, then its keys.")
    try:
        return MonitorPlan.model_validate({**table, "drift": drift, "source": str(p)})
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(
            f"The [monitor] table of {p} is not valid: {why}.",
            f"Its keys are: {', '.join(k for k in MonitorPlan.model_fields if k not in ('source', 'drift'))}"
            f"; checks is a list of: {', '.join(MONITOR_CHECKS)}.",
        ) from exc


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan_to_toml(plan: MonitorPlan) -> str:
    """The plan as the TOML `load_monitor_plan` reads back to the same plan (every key written, defaults included,
    so the file states the whole plan; `source` is where a plan was read from, not part of it)."""
    lines = ["# Attest monitoring plan (keys and defaults: audit/lifecycle/plan.py)", "[monitor]"]
    lines += [f"{k} = {_toml_value(getattr(plan, k))}" for k in MonitorPlan.model_fields if k not in ("source", "drift")]
    lines += ["", "[drift]"]
    lines += [f"{k} = {_toml_value(getattr(plan.drift, k))}" for k in DriftPlan.model_fields if k != "source"]
    return "\n".join(lines) + "\n"


def save_plan(plan: MonitorPlan, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(plan_to_toml(plan), encoding="utf-8")
    return p
