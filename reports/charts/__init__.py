"""The charts of the report and the desktop app, as display objects (scikit-learn's `*Display` pattern): each holds the
values it shows, computed once from the result (`from_result`), and draws them on a given matplotlib axes (`plot(ax)`)
or as a whole figure (`figure(theme=...)`). See `reports.charts.display`.

The `*_figure(result, ...)` functions are the report's entry points: plain module-level functions of the result and
plain arguments, returning a `matplotlib.figure.Figure` (no pyplot state), so they can run in another process.
`to_png` / `to_image` / `save` turn a figure into bytes, a PIL image or a PNG/SVG file. Themes: "light" (the report,
always) and "dark" (a dark window).
"""

from __future__ import annotations

from reports.charts.beeswarm import BeeswarmDisplay, beeswarm_figure
from reports.charts.calibration import CalibrationDisplay, CalibrationPanelsDisplay, calibration_figure, calibration_panels_figure
from reports.charts.data import level_groups, level_summary, verdict_index
from reports.charts.dependence import DependenceDisplay, dependence_figure
from reports.charts.display import Display
from reports.charts.forest import VerdictForestDisplay, verdict_forest_figure
from reports.charts.importance import (
    HEATMAP_FEATURES,
    HEATMAP_GROUPS,
    TOP_FEATURES,
    GroupImportanceDisplay,
    ImportanceDisplay,
    ImportanceHeatmapDisplay,
    group_importance_figure,
    importance_figure,
    shap_global_figure,
    shap_group_figure,
)
from reports.charts.overview import DisparityOverviewDisplay, disparity_overview_figure
from reports.charts.rates import (
    PANEL_GAP,
    RATE_METRICS,
    RatesDisplay,
    attribute_rates_display,
    attribute_rates_figure,
    group_rates_display,
    group_rates_figure,
    rates_figure,
)
from reports.charts.style import (
    DPI,
    FAST_TEXT,
    SAVE_FORMATS,
    STATUS_STYLE,
    THEMES,
    WIDTH_IN,
    Theme,
    fast_text,
    new_figure,
    save,
    theme,
    themed,
    to_image,
    to_png,
    wrap,
)
from reports.charts.tradeoff import TradeoffDisplay, tradeoff_figure
from reports.charts.waterfall import WaterfallDisplay, decision_threshold, first_adverse, waterfall_figure

__all__ = [
    "DPI",
    "FAST_TEXT",
    "HEATMAP_FEATURES",
    "HEATMAP_GROUPS",
    "PANEL_GAP",
    "RATE_METRICS",
    "SAVE_FORMATS",
    "STATUS_STYLE",
    "THEMES",
    "TOP_FEATURES",
    "WIDTH_IN",
    "BeeswarmDisplay",
    "CalibrationDisplay",
    "CalibrationPanelsDisplay",
    "DependenceDisplay",
    "DisparityOverviewDisplay",
    "Display",
    "GroupImportanceDisplay",
    "ImportanceDisplay",
    "ImportanceHeatmapDisplay",
    "RatesDisplay",
    "Theme",
    "TradeoffDisplay",
    "VerdictForestDisplay",
    "WaterfallDisplay",
    "attribute_rates_display",
    "attribute_rates_figure",
    "beeswarm_figure",
    "calibration_figure",
    "calibration_panels_figure",
    "decision_threshold",
    "dependence_figure",
    "disparity_overview_figure",
    "fast_text",
    "first_adverse",
    "group_importance_figure",
    "group_rates_display",
    "group_rates_figure",
    "importance_figure",
    "level_groups",
    "level_summary",
    "new_figure",
    "rates_figure",
    "render",
    "save",
    "save_display",
    "shap_global_figure",
    "shap_group_figure",
    "theme",
    "themed",
    "to_image",
    "to_png",
    "tradeoff_figure",
    "verdict_forest_figure",
    "verdict_index",
    "waterfall_figure",
    "wrap",
]


def render(display: Display, *, theme: str = "light", dpi: int = DPI, width_in: float = WIDTH_IN) -> bytes:
    """A display drawn as PNG bytes in a theme (what the desktop app shows)."""
    with themed(theme):
        return to_png(display.figure(theme=theme, width_in=width_in), dpi=dpi)


def save_display(display: Display, path: str, fmt: str | None = None, *, theme: str = "light", dpi: int = 200) -> str:
    """A display written as a PNG or SVG file, whole or not at all."""
    with themed(theme):
        return str(save(display.figure(theme=theme), path, fmt, dpi=dpi))
