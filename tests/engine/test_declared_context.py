"""Every provider input the report asks for is a field the user can declare, and the report fills it in by name."""

from __future__ import annotations

import tomllib
from pathlib import Path

from audit.spec import DeclaredContext

TEXTS = Path(__file__).resolve().parents[2] / "resources" / "frameworks" / "report_texts.toml"


def test_report_provider_inputs_are_declared_context_fields():
    asked = set(tomllib.loads(TEXTS.read_text(encoding="utf-8"))["provider_inputs"])
    assert asked == set(DeclaredContext.model_fields)


def test_context_file_round_trip(tmp_path):
    f = tmp_path / "ctx.toml"
    f.write_text(
        'intended_purpose = "Pre-screen loan applications"\noverride_procedure = "Underwriter can override any denial"\n'
    )
    ctx = DeclaredContext.model_validate(tomllib.loads(f.read_text()))
    assert ctx.override_procedure.startswith("Underwriter") and ctx.monitoring_plan == ""


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(DeclaredContext.model_fields)), st.text(max_size=60), max_size=6))
def test_toml_round_trip_keeps_any_text(values):
    """What the app saves, `attest audit --context` and the app read back exactly (quotes, newlines, control characters)."""
    ctx = DeclaredContext(**values)
    assert DeclaredContext.from_toml(ctx.to_toml()) == ctx
