"""After launch: comparing two recorded audits and measuring drift between two datasets (issue 17).

- `compare`: what changed between two audit runs of the trail: inputs by hash and field, every group metric and
  disparity before / after with an interval for the change, verdicts that flipped, groups that appeared or vanished.
- `drift`: per-feature, prediction and group-share drift between a reference and a current dataset, with thresholds
  from a monitoring plan (`plan`).

No Qt, no reportlab; numpy, scipy and pandas are imported by the modules that compute, never by this package."""
