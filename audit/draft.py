"""`AuditDraft`: an audit being set up, possibly incomplete. The app keeps one per workspace (saved beside it) and the CLI
builds one from its options; both turn it into an `AuditSpec` with `to_spec`, the one place where set-up values become
a spec, so the two cannot drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from audit.errors import InputError
from audit.explain.settings import ExplainSettings
from audit.nyc_ll144 import BiasAuditDeclaration
from audit.policy import PRESETS, OutcomeWording, Policy
from audit.refs import Frozen
from audit.spec import AuditSpec, DeclaredContext

DRAFT_FORMAT = "attest-audit-draft/1"


class AuditDraft(Frozen):
    data_path: str = ""
    sheet: str | None = None
    source: Literal["model", "predictions"] = "model"
    model_path: str = ""
    predictions_column: str = ""
    scores_column: str = ""
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()
    threshold: float | None = None
    target: str = ""
    positive_label: str = ""
    sensitive: tuple[str, ...] = ()
    references: dict[str, str] = Field(default_factory=dict)
    intersection_reference: Literal["references", "largest"] = "references"
    max_intersection_order: int | None = None
    na_values: tuple[str, ...] = ()
    engine: Literal["auto", "numpy", "duckdb", "spark"] = "auto"  # what computes the statistics (audit/engines)
    policy: str = "four_fifths"  # a preset name, presets joined by commas, or a policy file
    policy_value: Policy | None = None  # thresholds declared in the app, or the exact policy of a recorded run
    min_group_size: int = 30
    ci_level: float = 0.95
    bootstrap: int = 1000
    seed: int = 0
    explain: ExplainSettings = Field(default_factory=ExplainSettings)
    context: DeclaredContext = Field(default_factory=DeclaredContext)
    outcome: OutcomeWording = Field(default_factory=OutcomeWording)
    bias_audit: BiasAuditDeclaration | None = None  # NYC Local Law 144 declaration (--nyc-categories)

    def with_(self, **changes: Any) -> AuditDraft:
        """A copy with some fields changed, validated like a new draft."""
        return AuditDraft.model_validate({**self.model_dump(), **changes})

    def resolved_policy(self) -> Policy:
        from audit.policy import resolve_policy

        return self.policy_value if self.policy_value is not None else resolve_policy(self.policy)

    def without_unused_references(self) -> AuditDraft:
        """The app keeps a reference of a feature that was unticked (it comes back when ticked again); a run uses only
        the ticked features' references. The CLI does not call this: a reference for a feature not audited is an error."""
        return self.with_(references={f: v for f, v in self.references.items() if f in self.sensitive})

    def missing(self) -> list[str]:
        """What the user still has to choose before the audit can run, in the order of the set-up page."""
        out = []
        if not self.data_path:
            out.append("an evaluation dataset")
        if self.source == "model" and not self.model_path:
            out.append("a model file (or choose a predictions column)")
        if self.source == "predictions" and not self.predictions_column:
            out.append("the predictions column")
        if not self.target:
            out.append("the target column")
        if not self.sensitive:
            out.append("at least one sensitive feature")
        return out

    def to_spec(self, hint: str = "Correct the set-up and run again.") -> AuditSpec:
        """The spec this draft declares; an `InputError` saying what is missing or inconsistent."""
        missing = self.missing()
        if missing:
            raise InputError("The audit is not set up yet: choose " + ", ".join(missing) + ".", hint)
        model = self.source == "model"
        try:
            return AuditSpec(
                data_path=self.data_path,
                target=self.target,
                sensitive=self.sensitive,
                positive_label=self.positive_label.strip() or None,
                model_path=self.model_path if model else None,
                predictions_column=None if model else self.predictions_column,
                scores_column=None if model else (self.scores_column or None),
                trust_pickle=self.trust_pickle,
                trusted_types=self.trusted_types,
                threshold=self.threshold,
                sheet=self.sheet,
                references=dict(self.references),
                intersection_reference=self.intersection_reference,
                policy=self.resolved_policy(),
                min_group_size=self.min_group_size,
                ci_level=self.ci_level,
                bootstrap=self.bootstrap,
                seed=self.seed,
                max_intersection_order=self.max_intersection_order,
                na_values=self.na_values,
                explain=self.explain,
                context=self.context,
                outcome=self.outcome,
                bias_audit=self.bias_audit,
            )
        except ValidationError as exc:
            msgs = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise InputError(f"The audit options are not consistent: {msgs}.", hint) from exc

    @classmethod
    def from_spec(cls, spec: AuditSpec) -> AuditDraft:
        """The draft that declares `spec` again (re-run with this set-up): the recorded policy is kept exactly."""
        preset = next((name for name, p in PRESETS.items() if p == spec.policy), None)
        return cls(
            data_path=spec.data_path,
            sheet=spec.sheet,
            source="predictions" if spec.predictions_only else "model",
            model_path=spec.model_path or "",
            predictions_column=spec.predictions_column or "",
            scores_column=spec.scores_column or "",
            trust_pickle=spec.trust_pickle,
            trusted_types=spec.trusted_types,
            threshold=spec.threshold,
            target=spec.target,
            positive_label=spec.positive_label or "",
            sensitive=spec.sensitive,
            references=dict(spec.references),
            intersection_reference=spec.intersection_reference,
            max_intersection_order=spec.max_intersection_order,
            na_values=spec.na_values,
            policy=preset or spec.policy.name,
            policy_value=None if preset else spec.policy,
            min_group_size=spec.min_group_size,
            ci_level=spec.ci_level,
            bootstrap=spec.bootstrap,
            seed=spec.seed,
            explain=spec.explain,
            context=spec.context,
            outcome=spec.outcome,
            bias_audit=spec.bias_audit,
        )

    def changes_since(self, before: AuditDraft) -> list[str]:
        """Plain lines naming every set-up value that differs from `before` (what changed since the last run)."""
        out = []
        a, b = before.model_dump(mode="json"), self.model_dump(mode="json")
        for name in type(self).model_fields:
            if a[name] == b[name]:
                continue
            if name in ("context", "explain", "outcome"):
                for k in sorted(set(a[name]) | set(b[name])):
                    if a[name].get(k) != b[name].get(k):
                        out.append(f"{name}.{k}: {_short(a[name].get(k))} → {_short(b[name].get(k))}")
            elif name == "references":
                for k in sorted(set(a[name]) | set(b[name])):
                    if a[name].get(k) != b[name].get(k):
                        out.append(
                            f"reference for {k}: {a[name].get(k, '(automatic: largest group)')} → "
                            f"{b[name].get(k, '(automatic: largest group)')}"
                        )
            elif name == "policy_value":
                out.append("policy thresholds: " + ("declared in the app" if b[name] else "from the preset"))
            else:
                out.append(f"{name.replace('_', ' ')}: {_short(a[name])} → {_short(b[name])}")
        return out


def _short(value: Any) -> str:
    if value in (None, "", [], ()):
        return "(none)"
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def draft_path(workspace: str | Path) -> Path:
    """Where a workspace's draft is kept: beside the workspace file, so it travels with it."""
    p = Path(workspace)
    return p.with_name(p.name + ".draft.json")


def save_draft(path: str | Path, draft: AuditDraft) -> None:
    """Write the draft atomically (a crash leaves the previous draft, never half a file)."""
    import os
    import tempfile

    path = Path(path)
    text = json.dumps({"format": DRAFT_FORMAT, "draft": draft.model_dump(mode="json")}, ensure_ascii=False, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_draft(path: str | Path) -> tuple[AuditDraft | None, str]:
    """The saved draft and "" when it is fine; (None, why) when there is none or it cannot be used (never raises:
    a damaged draft must not keep a workspace from opening)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, ""
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"The saved set-up {path.name} cannot be read ({exc}); the set-up starts empty."
    if not isinstance(raw, dict) or raw.get("format") != DRAFT_FORMAT:
        return None, f"The saved set-up {path.name} is not an Attest draft; the set-up starts empty."
    try:
        return AuditDraft.model_validate(raw.get("draft")), ""
    except ValidationError as exc:
        return None, f"The saved set-up {path.name} is not valid ({exc.error_count()} problem(s)); the set-up starts empty."
