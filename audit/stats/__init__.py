"""The audit's statistics, in pipeline order: data (the loaders and `audit/values.py`, outside this package) -> cells
-> statistics -> metrics and intervals -> verdicts.

- `cells`: sensitive columns encoded once into cells (the finest intersection); levels are unions of cells.
- `metrics`, `score_metrics`, `quality`: what the cell statistics give per group (rates from confusion counts; AUC,
  Brier, calibration from the score table; missing values and proxy candidates).
- `intervals`, `bootstrap`, `significance`: closed-form intervals, posterior draws where there is none, the tests.
- `estimates`: per-level statistics, group results, disparities and level summaries.
- `verdict_units` -> `verdict_pairs` -> `verdicts`: a policy's checks as one family of tests, pass / fail /
  insufficient evidence with reasons.

Nothing here reads files, the trail, the explanations or the lifecycle (an import-linter contract in pyproject.toml);
the engines (`audit/engines`) compute the cell statistics and import this package, never the reverse except for the
statistics' types in `audit/engines/base.py`.
"""
