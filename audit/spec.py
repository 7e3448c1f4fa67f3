"""`AuditSpec`: everything declared before an audit runs. Stored in the result and the trail, so thresholds are provably
declared up front."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from audit.explain.settings import ExplainSettings
from audit.nyc_ll144 import BiasAuditDeclaration
from audit.policy import PRESETS, OutcomeWording, Policy
from audit.refs import Frozen


class DeclaredContext(Frozen):
    """What only the provider can say. The report prints "needs provider input" for every field left empty;
    the labels and the provisions each field evidences live in resources/frameworks/report_texts.toml."""

    system_name: str = ""  # Name and version of the AI system
    provider: str = ""  # Provider (name and contact)
    role: str = ""  # Role of the organisation under Art. 3 (provider, deployer, importer, distributor)
    intended_purpose: str = ""  # Intended purpose
    deployment_context: str = ""  # Deployment context
    affected_persons: str = ""  # Persons affected by the decisions
    annex_iii_category: str = ""  # Annex III area and use case
    high_risk_reasoning: str = ""  # Documented reasoning if the system is considered not high-risk (Art. 6(3)-(4))
    oversight: str = ""  # Who oversees the system and how (Art. 14)
    applicable_laws: str = ""  # Other applicable laws (e.g. anti-discrimination, consumer credit, data protection)
    fairness_criterion_rationale: str = ""  # Why the chosen fairness criterion fits this use case
    conformity_route: str = ""  # Conformity assessment route (Art. 43)
    risk_controls: str = ""  # Controls for each risk found (Art. 9(4))
    risk_owner: str = ""  # Owner of each risk
    residual_risk_acceptance: str = ""  # Residual-risk acceptance and who accepted it (Art. 9(5))
    risk_tolerance: str = ""  # Organisational risk tolerance (NIST MAP 1.5)
    design_choices: str = ""  # Relevant design choices and their rationale (Art. 10(2)(a); Annex IV 2(b))
    data_origin: str = (
        ""  # Origin of the training data and, for personal data, the original purpose of collection (Art. 10(2)(b)…
    )
    data_preparation: str = ""  # Data preparation: annotation, labelling, cleaning, enrichment (Art. 10(2)(c))
    data_assumptions: str = ""  # Assumptions about what the data measure and represent (Art. 10(2)(d))
    data_gaps_response: str = ""  # How the data gaps found are addressed (Art. 10(2)(h))
    special_category_safeguards: str = ""  # Confirmation of the Art. 10(5)(a)-(f) conditions for special categories of data
    population_representativeness: str = ""  # How the evaluation population represents the people the system will serve
    override_procedure: str = ""  # Override and stop procedure (Art. 14(4)(d)-(e))
    operator_training: str = ""  # Competence and training of the overseers (Art. 26(2); NIST MAP 3.4)
    robustness_testing: str = ""  # Robustness testing and its results (Art. 15(1), (4))
    feedback_loops: str = ""  # Measures against biased feedback loops for systems that keep learning (Art. 15(4))
    security_measures: str = ""  # Cybersecurity measures (Art. 15(5); Annex IV 2(h))
    monitoring_plan: str = ""  # Post-market monitoring plan adopted (Art. 72)
    production_logging: str = ""  # How decision logs are recorded and kept (Art. 12, 19, 26(6))
    feedback_channels: str = ""  # Feedback and appeal channels for affected persons (NIST MEASURE 3.3)
    system_interactions: str = ""  # Interaction with other hardware, software or AI systems (Annex IV 1(b))
    market_forms: str = ""  # Forms in which the system is placed on the market (Annex IV 1(d))
    target_hardware: str = ""  # Hardware on which the system is intended to run (Annex IV 1(e))
    product_illustrations: str = ""  # Photographs or illustrations if the system is a product component (Annex IV 1(f))
    user_interface: str = ""  # User interface provided to the deployer (Annex IV 1(g))
    instructions_for_use: str = ""  # Instructions for use (Art. 13; Annex IV 1(h))
    business_goals: str = ""  # Mission and goals for the system (NIST MAP 1.3)
    environmental_impact: str = ""  # Environmental impact of training and operation (NIST MEASURE 2.12)
    standards_applied: str = ""  # Harmonised standards or other specifications applied (Annex IV 7)
    declaration_of_conformity: str = ""  # EU declaration of conformity (Art. 47; Annex IV 8)
    # Added for the report's coverage of Art. 9(2), 10(2)(f), 13(3)(e), 17(1)(g)-(i), 18, 26(7)/(11), 27, 73, Annex IV
    # 2(f) and NIST GOVERN 4-6, MAP 3.2/5.2, MANAGE 2-4 (labels in report_texts.toml); appended, order kept.
    foreseeable_misuse: str = ""  # Reasonably foreseeable misuse (Art. 9(2)(b); Art. 13(3)(b)(iii))
    training_data_examination: str = ""  # Bias examination of the training and validation data (Art. 10(2)(f))
    compute_resources: str = ""  # Computational and hardware resources, expected lifetime, maintenance (Art. 13(3)(e))
    documentation_keeping: str = ""  # Who keeps the documentation, where, from which date (Art. 18)
    error_costs: str = ""  # Costs of wrong decisions for the persons affected and the organisation (NIST MAP 3.2)
    public_service: str = ""  # Deployer is a public body or provides public services: yes/no (Art. 27(1))
    fria_processes: str = ""  # FRIA (a): the deployer's processes using the system (Art. 27(1)(a))
    fria_period_frequency: str = ""  # FRIA (b): period and frequency of use (Art. 27(1)(b))
    fria_affected_categories: str = ""  # FRIA (c): categories of persons and groups likely affected (Art. 27(1)(c))
    fria_specific_risks: str = ""  # FRIA (d): specific risks of harm to them (Art. 27(1)(d))
    fria_oversight: str = ""  # FRIA (e): implementation of human oversight measures (Art. 27(1)(e))
    fria_measures: str = ""  # FRIA (f): measures if the risks materialise, governance, complaints (Art. 27(1)(f))
    incident_reporting: str = ""  # Serious-incident reporting procedure (Art. 73)
    qms_procedures: str = ""  # QMS procedures for risk management, monitoring, incident reporting (Art. 17(1)(g)-(i))
    predetermined_changes: str = ""  # Pre-determined changes and continued compliance (Annex IV 2(f))
    worker_information: str = ""  # Workers and their representatives informed (Art. 26(7))
    person_information: str = ""  # Affected persons informed that the system is used (Art. 26(11))
    governance_policies: str = ""  # AI risk culture, policies, incident identification, information sharing (NIST GOVERN 4)
    stakeholder_engagement: str = ""  # Engagement with affected people and use of their feedback (NIST GOVERN 5, MAP 5.2)
    third_party_risks: str = ""  # Risks of third-party data, software and pre-trained models (NIST GOVERN 6, MANAGE 3)
    risk_response: str = ""  # Resources, non-AI alternatives, sustaining value, responding to new risks (NIST MANAGE 2)
    improvement_plan: str = ""  # Continual improvement and communication of incidents and errors (NIST MANAGE 4.2-4.3)

    @classmethod
    def from_toml(cls, text: str, source: str = "The context file") -> DeclaredContext:
        """The context from TOML (`field = "text"`), as `attest audit --context` and the app's Load read it; an
        `InputError` names what is wrong."""
        import tomllib

        from pydantic import ValidationError

        from audit.errors import InputError

        try:
            return cls.model_validate(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            why = (
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            raise InputError(
                f"{source} cannot be used: {why}.", f"It is a TOML file of text fields: {', '.join(cls.model_fields)}."
            ) from exc

    def to_toml(self) -> str:
        """The filled fields as TOML, in field order (what `from_toml` reads back exactly)."""
        import json

        lines = ["# Attest declared context: what only the provider can say. Empty fields are left out."]
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value:
                # A JSON string is a TOML basic string, except that TOML also wants DEL escaped.
                text = json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
                lines.append(f"{name} = {text}")
        return "\n".join(lines) + "\n"


class AuditSpec(Frozen):
    data_path: str
    target: str
    sensitive: tuple[str, ...]
    positive_label: str | None = None  # the favourable outcome; required unless the policy file declares it
    model_path: str | None = None
    predictions_column: str | None = None
    scores_column: str | None = None
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()
    threshold: float | None = None
    sheet: str | None = None
    references: dict[str, str] = Field(default_factory=dict)
    policy: Policy = PRESETS["four_fifths"]
    min_group_size: int = 30
    ci_level: float = 0.95
    bootstrap: int = 1000
    seed: int = 0
    max_intersection_order: int | None = None
    # What an intersection is compared with: "references" = the combination of each feature's reference (declared, else
    # that feature's largest group) once any reference is declared; "largest" = the largest intersectional group.
    intersection_reference: Literal["references", "largest"] = "references"
    # Values of the sensitive columns that mean "missing" (--na-values); () = only truly empty cells are missing, so a
    # group written "NA" or "null" stays a group (audit/values.py). An item "" also marks empty and blank strings.
    na_values: tuple[str, ...] = ()
    explain: ExplainSettings = Field(default_factory=ExplainSettings)
    context: DeclaredContext = Field(default_factory=DeclaredContext)
    outcome: OutcomeWording = Field(default_factory=OutcomeWording)  # plain words for the outcome and its errors
    # NYC Local Law 144: the columns, label mapping and dates (--nyc-categories); None with the nyc_ll144 policy =
    # inferred from the sensitive features (audit/nyc_ll144.py `infer_declaration`).
    bias_audit: BiasAuditDeclaration | None = None

    @model_validator(mode="after")
    def _valid(self) -> AuditSpec:
        if (self.model_path is None) == (self.predictions_column is None):
            raise ValueError("give exactly one of a model file or a predictions column")
        if not self.sensitive:
            raise ValueError("name at least one sensitive feature")
        if not 0.5 < self.ci_level < 1:
            raise ValueError("ci_level must be between 0.5 and 1 (e.g. 0.95)")
        if self.bootstrap < 0 or self.min_group_size < 1:
            raise ValueError("bootstrap must be >= 0 and min_group_size >= 1")
        return self

    @property
    def predictions_only(self) -> bool:
        return self.model_path is None
