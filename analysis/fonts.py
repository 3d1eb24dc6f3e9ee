"""CJK font registration, so that Chinese chart labels render on a fresh machine.

Matplotlib ships no font with Han glyphs, and a fresh Linux machine usually has none either, so
Chinese labels would come out as tofu boxes (□). The project depends on the PyPI package
``pylopdf-fonts-zh-cn``, which ships Noto Sans SC (SIL Open Font License 1.1); this module
registers it with matplotlib's font manager. Fonts already installed on the system (Noto Sans
CJK, Source Han Sans, WenQuanYi) are used when the package is missing. When no CJK font can be
found at all, Chinese output falls back to English with a warning rather than drawing boxes.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib import font_manager

from analysis.labels import LANGS

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Latin font that matplotlib always ships; used for digits and Latin text in English charts.
LATIN_FAMILY = "DejaVu Sans"

#: Python packages that ship a Simplified-Chinese font, with the function returning its path.
_FONT_PACKAGES: tuple[tuple[str, str], ...] = (("pylopdf_fonts_zh_cn", "sans_path"),)

#: Families of system fonts with full Simplified-Chinese coverage, best first.
_SYSTEM_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)

_PROBE_TEXT = "网格员吹哨报到办结"


def _packaged_font_path() -> Path | None:
    """Path of a CJK font shipped by an installed Python package, if any."""
    for module_name, function_name in _FONT_PACKAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        path = Path(getattr(module, function_name)())
        if path.is_file():
            return path
    return None


def _covers_chinese(path: str) -> bool:
    """Whether the font file has glyphs for a few Chinese characters (guards against tofu)."""
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        charmap = font.get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in _PROBE_TEXT)


@functools.cache
def cjk_font() -> tuple[str, Path] | None:
    """Register a CJK font with matplotlib and return its family name and file, or None.

    The packaged Noto Sans SC is preferred so that charts look the same on every machine.
    """
    packaged = _packaged_font_path()
    if packaged is not None and _covers_chinese(str(packaged)):
        font_manager.fontManager.addfont(str(packaged))
        return font_manager.FontProperties(fname=str(packaged)).get_name(), packaged
    installed = {entry.name: entry.fname for entry in font_manager.fontManager.ttflist}
    for family in _SYSTEM_FAMILIES:
        fname = installed.get(family)
        if fname is not None and _covers_chinese(fname):
            return family, Path(fname)
    return None


def cjk_family() -> str | None:
    """Family name of the registered CJK font, or None when there is none."""
    found = cjk_font()
    return None if found is None else found[0]


#: Name under which the report embeds its font subset (CSS ``@font-face``).
EMBEDDED_FAMILY = "GovsimCJK"

#: Characters from the CJK radicals block upward (Han, CJK punctuation, full-width forms).
_CJK_START = 0x2E80


def embedded_font_css(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the CJK font, cut down to the characters of ``text``.

    A report must show its Chinese on any machine, including one without CJK fonts, yet the
    full font is 8 MB; a subset of the few hundred characters used is a few hundred kB of
    WOFF. Returns "" when ``text`` has no CJK characters or no CJK font is available. Uses
    fontTools, which matplotlib already depends on.
    """
    chars = "".join(sorted({ch for ch in text if ord(ch) >= _CJK_START}))
    found = cjk_font()
    if not chars or found is None:
        return ""
    import base64
    import io

    from fontTools import subset  # type: ignore[import-untyped]  # ships no type information

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.font_number = 0
    font = subset.load_font(str(found[1]), options, lazy=True)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        buffer = io.BytesIO()
        subset.save_font(font, buffer, options)
    finally:
        font.close()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f"@font-face {{ font-family: '{EMBEDDED_FAMILY}'; "
            f"src: url(data:font/woff;base64,{data}) format('woff'); }}")


def resolve_lang(lang: str) -> str:
    """Return the language charts can actually be drawn in.

    ``"zh"`` becomes ``"en"`` with a warning when no CJK font is available, because English
    labels are better than boxes.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if lang == "zh" and cjk_family() is None:
        warnings.warn(
            "no CJK font found (install the 'pylopdf-fonts-zh-cn' package); "
            "drawing charts with English labels instead",
            stacklevel=2,
        )
        return "en"
    return lang


def font_rc(lang: str) -> dict[RcKeyType, Any]:
    """Matplotlib rc settings for a language, for use with ``matplotlib.rc_context``.

    Both languages list the CJK font as a per-glyph fallback, so Chinese grid or street names
    still render in English charts; Chinese charts put it first so Han and Latin text match.
    ``font.family`` names the fonts themselves rather than the generic "sans-serif": text
    created under these settings then keeps its fonts when the figure is saved later, outside
    them.
    """
    cjk = cjk_family()
    families = [LATIN_FAMILY] if cjk is None else (
        [cjk, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, cjk]
    )
    return {
        "font.family": families,
        "font.sans-serif": families,
        "svg.fonttype": "path",
    }
