"""Fonts and scripts for the PDF: every glyph embedded, every character drawn by a font that has it.

DejaVu (shipped with matplotlib) draws Latin, Greek, Cyrillic, Arabic and Hebrew. Chinese, Japanese and Korean come from
a CJK TrueType font found on the system (WenQuanYi Micro Hei, Droid Sans Fallback, Microsoft YaHei, ...; or the file
named by ATTEST_CJK_FONT). A character no registered font can draw is replaced by a visible marker (U+FFFD) and
counted, so the report can say so: never a .notdef box, which PDF/A also forbids.

Arabic is shaped into its contextual forms (arabic-reshaper) and right-to-left runs are put in visual order
(python-bidi, the Unicode bidirectional algorithm): reportlab draws glyphs left to right and does neither."""

from __future__ import annotations

import contextvars
import os
import unicodedata
from collections import Counter
from functools import cache, lru_cache

SANS, BOLD, ITALIC, BOLD_ITALIC, MONO = (
    "DejaVuSans",
    "DejaVuSans-Bold",
    "DejaVuSans-Oblique",
    "DejaVuSans-BoldOblique",
    "DejaVuSansMono",
)
CJK = "AttestCJK"
MARK = "\ufffd"  # drawn in place of a character no font has
_FILES = {
    SANS: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    MONO: "DejaVuSansMono.ttf",
}
# (path, index in a .ttc): TrueType outlines only (reportlab cannot embed CFF-based OpenType such as Noto Sans CJK).
CJK_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # Debian/Ubuntu fonts-wqy-microhei: Chinese, kana, Hangul
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # no Hangul
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("C:/Windows/Fonts/malgun.ttf", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
    ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0),
)
_RTL = frozenset(("R", "AL", "AN"))

_missing: contextvars.ContextVar[Counter[str] | None] = contextvars.ContextVar("attest_missing_glyphs", default=None)


def font_dir() -> str:
    """matplotlib's DejaVu folder, found without importing matplotlib (the report's charts may import it elsewhere)."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    folder = os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf") if spec and spec.origin else ""
    if not os.path.isfile(os.path.join(folder, _FILES[SANS])):
        import matplotlib

        folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    return folder


def cjk_font_file() -> tuple[str, int] | None:
    """The CJK font to use: ATTEST_CJK_FONT (a path, optionally 'path#index'), else the first candidate present."""
    env = os.environ.get("ATTEST_CJK_FONT", "").strip()
    if env:
        path, _, index = env.partition("#")
        if os.path.isfile(path):
            return path, int(index or 0)
    for candidate, number in CJK_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate, number
    return None


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the DejaVu family once; returns the family name to use in styles. The CJK font is registered when a
    character first needs it (`_charmap`): parsing it costs more than the five DejaVu faces together."""
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
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(MONO, bold, italic, MONO)
    return SANS


@lru_cache(maxsize=1)
def _register_cjk() -> bool:
    """Register the CJK font (if one is found) under the name CJK; whether it was."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    register_fonts()
    found = cjk_font_file()
    if not found:
        return False
    try:
        pdfmetrics.registerFont(TTFont(CJK, found[0], subfontIndex=found[1]))
    except Exception:  # an unreadable or CFF-only font: CJK text then gets the marker, and the report says so
        return False
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(CJK, bold, italic, CJK)
    return True


@cache
def _charmap(font: str) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    if font == CJK and not _register_cjk():
        return frozenset()
    try:
        return frozenset(pdfmetrics.getFont(font).face.charToGlyph)
    except KeyError:
        return frozenset()


def has_cjk_font() -> bool:
    register_fonts()
    return bool(_charmap(CJK))


def fallbacks(font: str) -> tuple[str, ...]:
    """The fonts tried for a character, in order: the font itself, regular DejaVu Sans (the oblique faces lack Arabic),
    then the CJK font."""
    return tuple(f for f in _chain(font) if _charmap(f))


def _chain(font: str) -> tuple[str, ...]:
    return (font, *(f for f in (SANS, CJK) if f != font))


def _drawable(ch: str, chain: tuple[str, ...]) -> str | None:
    cp = ord(ch)
    for f in chain:  # a later font's charmap (the CJK font's) is loaded only for a character the earlier ones lack
        if cp in _charmap(f):
            return f
    return None


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` as (font, piece) runs, each piece drawable by its font; undrawable characters become MARK (counted)."""
    if not text:
        return []
    base = _charmap(font)
    if all(ord(c) in base or c in "\n\t" for c in set(text)):  # one run (line breaks and tabs go with their neighbours)
        return [(font, text)]
    chain = _chain(font)
    out: list[tuple[str, list[str]]] = []
    for ch in text:
        if ch in "\n\t":
            f = out[-1][0] if out else font
        elif unicodedata.combining(ch) and out and ord(ch) in _charmap(out[-1][0]):
            f = out[-1][0]  # a combining mark stays with the letter it sits on
        else:
            drawable = _drawable(ch, chain)
            if drawable is None:
                note_missing(ch)
                ch, f = MARK, (font if ord(MARK) in base else SANS)
            else:
                f = drawable
        if out and out[-1][0] == f:
            out[-1][1].append(ch)
        else:
            out.append((f, [ch]))
    return [(f, "".join(chars)) for f, chars in out]


def note_missing(ch: str) -> None:
    counter = _missing.get()
    if counter is not None:
        counter[ch] += 1


def collect_missing() -> tuple[Counter[str], contextvars.Token[Counter[str] | None]]:
    """Start counting undrawable characters for one rendering; pass the token to `stop_collecting`."""
    counter: Counter[str] = Counter()
    return counter, _missing.set(counter)


def stop_collecting(token: contextvars.Token[Counter[str] | None]) -> None:
    _missing.reset(token)


def describe_missing(counter: Counter[str], limit: int = 12) -> str:
    """'U+1F600 (Grinning Face), ...': the distinct characters, for the report's note and the export's warning."""
    parts = []
    for ch in sorted(counter)[:limit]:
        parts.append(f"U+{ord(ch):04X} ({unicodedata.name(ch, 'unnamed').title()})")
    more = len(counter) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in _RTL for c in text if ord(c) >= 0x0590)


def prepare(text: str) -> str:
    """Logical-order text ready to measure and wrap: NFC (precomposed letters), Arabic letters in their joined forms."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    if any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in text):
        import arabic_reshaper

        text = arabic_reshaper.reshape(text)
    return text


def is_rtl(text: str) -> bool:
    """The paragraph direction of `text` by the Unicode rule: that of its first strong character."""
    if text.isascii():
        return False
    for c in text:
        kind = unicodedata.bidirectional(c)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def visual(line: str, rtl: bool = False) -> str:
    """One line (already wrapped) in the order it is drawn, left to right (Unicode bidi; `rtl`: a right-to-left
    paragraph, as for a field written in Arabic or Hebrew)."""
    if line.isascii() or not _has_rtl(line):
        return line
    from bidi import get_display

    shown: str = get_display(line, base_dir="R" if rtl else "L")  # python-bidi is untyped
    return shown
