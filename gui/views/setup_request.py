"""The set-up page's request: what is still missing, the line above Run (with the audit's own group estimate and the
2,000-group refusal), and the set-up as plain values for the worker (`gui.jobs.build_spec`). A mixin of `SetupView`."""

from __future__ import annotations

from typing import Any

from gui.errors import show_message


class RequestPanel:
    def missing_inputs(self) -> list[str]:
        missing = []
        if self.preview is None:
            missing.append("an evaluation dataset")
        if self.source_model.isChecked() and not self.model_field.path():
            missing.append("a model file (or choose a predictions column)")
        if self.preview is not None and not self.target_combo.currentText():
            missing.append("the target column")
        if self.preview is not None and not self.sensitive_features():
            missing.append("at least one sensitive feature")
        return missing

    def _update_ready(self, *_: object) -> None:
        missing = self.missing_inputs()
        if missing:
            self.ready_label.setText("To run, choose " + ", ".join(missing) + ".")
        else:
            from gui.jobs import group_estimate

            feats = self.sensitive_features()
            n, estimate = group_estimate(self.preview, feats, self.max_order())
            if self.over_group_limit():
                self.ready_label.setText("Cannot run: " + estimate.replace("(--max-order)", "(Intersections up to)"))
            else:
                left_out = self.preview.outcome_missing.get(self.target_combo.currentText(), 0)
                note = f" {left_out:,} row(s) with no value in the target will be left out." if left_out else ""
                self.ready_label.setText(
                    f"Ready: {self.preview.ref.rows:,} rows, sensitive features {', '.join(feats)}. " + estimate + note
                )
        if self.target_guessed:
            self.ready_label.setText(self.ready_label.text() + " The target was guessed: please check it.")
        self.run_button.setEnabled(not getattr(self, "_running", False) and not self.over_group_limit())
        self.run_button.setToolTip(
            "Lower the intersection order or tick fewer sensitive features: the audit would create more groups than its limit."
            if self.over_group_limit()
            else "Run the audit"
        )

    def over_group_limit(self) -> bool:
        """Whether the audit's own guard would refuse this set-up (audit.guards.MAX_GROUPS): Run is refused before any work."""
        from audit.guards import MAX_GROUPS
        from gui.jobs import group_estimate

        feats = self.sensitive_features()
        return bool(self.preview is not None and feats and group_estimate(self.preview, feats, self.max_order())[0] > MAX_GROUPS)

    def set_running(self, running: bool) -> None:
        self._running = running
        self.run_button.setText("Running…" if running else "Run audit")
        self.run_button.setEnabled(not running and not self.over_group_limit())

    # ------------------------------------------------------------------ the request
    def build_request(self) -> dict[str, Any]:
        """The set-up as plain values; the worker turns it into an `AuditSpec` (see `gui.jobs.build_spec`)."""
        sensitive = self.sensitive_features()
        references = {f: v for f, v in self.references.items() if f in sensitive}
        key = self.policy_combo.currentData() or "four_fifths"
        if key == "custom":
            c = self.custom
            checks = []
            if c["four_fifths"][0].isChecked():
                checks.append(
                    dict(
                        id="four_fifths",
                        metric="selection_rate",
                        compare="ratio",
                        against="max",
                        min=c["four_fifths"][1].value(),
                        description="Custom: selection-rate ratio vs the highest group.",
                    )
                )
            for k, metric, cid in (
                ("tpr", "tpr", "equal_opportunity_tpr"),
                ("fpr", "fpr", "equalized_odds_fpr"),
                ("dp", "selection_rate", "demographic_parity"),
            ):
                if c[k][0].isChecked():
                    t = c[k][1].value()
                    checks.append(
                        dict(
                            id=cid,
                            metric=metric,
                            compare="difference",
                            min=-t,
                            max=t,
                            description=f"Custom: {metric} within ±{t:g} of the reference group.",
                        )
                    )
            policy: dict[str, Any] = {"checks": checks, "decision": self.decision_combo.currentData()}
        else:
            policy = {"preset": key}
        context = self.context_values()
        model = self.source_model.isChecked()
        threshold = self.threshold_spin.value()
        return dict(
            data_path=self.preview.path if self.preview else self.data_field.path(),
            target=self.target_combo.currentText(),
            sensitive=tuple(sensitive),
            positive_label=self.positive_combo.currentText().strip() or None,
            model_path=self.model_field.path() if model else None,
            predictions_column=None if model else self.predictions_combo.currentText() or None,
            scores_column=None if model else self.scores_combo.currentData(),
            threshold=threshold if model and threshold >= 0 else None,
            references=references,
            policy=policy,
            intersection_reference=self.intersection_combo.currentData() or "references",
            max_intersection_order=self.max_order(),
            na_values=self.na_values(),
            engine=self.engine_combo.currentData() or "auto",
            min_group_size=self.min_group_spin.value(),
            ci_level=round(self.ci_spin.value(), 3),
            bootstrap=self.bootstrap_spin.value(),
            seed=self.seed_spin.value(),
            explain={"enabled": model and self.explain_check.isChecked(), "time_budget_s": self.budget_spin.value()},
            context=context,
        )

    def request_run(self) -> None:
        missing = self.missing_inputs()
        if missing:
            show_message(
                self,
                "Cannot run the audit yet",
                "The audit is not set up yet: choose " + ", ".join(missing) + ".",
                hint="Fill in the Set-up page from top to bottom; the line above the Run button says what is left.",
            )
            return
        if self.over_group_limit():
            show_message(
                self,
                "Too many groups for one audit",
                self.ready_label.text().removeprefix("Cannot run: "),
                hint="Choose a lower 'Intersections up to' order, or tick fewer sensitive features.",
            )
            return
        self.run_requested.emit(self.build_request())
