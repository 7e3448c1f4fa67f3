"""DejaVu fonts (shipped with matplotlib) registered with reportlab, so every glyph is embedded and any script in group
names renders; no standard (non-embedded) PDF font is ever used."""
from __future__ import annotations

import os
from functools import lru_cache

SANS, BOLD, ITALIC, BOLD_ITALIC, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique", "DejaVuSansMono"
_FILES = {SANS: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf",
          BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf", MONO: "DejaVuSansMono.ttf"}


def font_dir() -> str:
    """matplotlib's DejaVu folder, found without importing matplotlib (the report's charts may import it elsewhere)."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    folder = os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf") if spec and spec.origin else ""
    if not os.path.isfile(os.path.join(folder, _FILES[SANS])):
        import matplotlib

        folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    return folder


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the DejaVu family once; returns the family name to use in styles."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = font_dir()
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, BOLD)
    addMapping(SANS, 0, 1, ITALIC)
    addMapping(SANS, 1, 1, BOLD_ITALIC)
    addMapping(MONO, 0, 0, MONO)
    addMapping(MONO, 1, 0, MONO)
    addMapping(MONO, 0, 1, MONO)
    addMapping(MONO, 1, 1, MONO)
    return SANS
