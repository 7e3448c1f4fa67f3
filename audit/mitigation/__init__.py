"""Mitigation what-if on a recorded audit run: post-processing thresholds, alternatives and their trade-off.

`propose.propose(ws, run_id, ...)` is the one entry point (the CLI's `attest mitigate`); the parts:
`source` (the run's rows, labels, scores and decisions, re-read and hash-checked), `split` (seeded stratified
fit/test split), `thresholds` (fairlearn's ThresholdOptimizer on the recorded scores, and the single-threshold
alternative), `reweigh` (Kamiran-Calders weights), `tradeoff` (candidate operating points, Pareto front),
`heldout` (the audit engine run on the held-out rows) and `record` (the trail events).
"""
