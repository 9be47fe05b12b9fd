"""The glyph set every bundled font must cover (SPECS.md §3), and the check against a font file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from kit.filecache import Kept, file_version

ESTONIAN = "õäöüšžÕÄÖÜŠŽ"
VORO = "qyQYŃŔŚĹĽĎŤǴḰḾṔńŕśĺľďťǵḱḿṕ\u02bc\u2019"
COMBINING_ACUTE = "\u0301"
LATVIAN = "āčēģīķļņūĀČĒĢĪĶĻŅŪ"
CYRILLIC = "".join(chr(c) for c in range(0x0410, 0x0450)) + "Ёё"
PUNCTUATION = "„“”–—…€"
SPACES_AND_HYPHENS = "\u00a0\u202f\u2011\u00ad"
MINUS = "\u2212"

GLYPH_SET = ESTONIAN + VORO + COMBINING_ACUTE + LATVIAN + CYRILLIC + PUNCTUATION + SPACES_AND_HYPHENS + MINUS


# Fonts checked, by path, file version and what the check is made of (this module and fontTools), with what each
# lacks; kept for the next process (kit/found.py): opening five fonts was a fifth of a rebuild with nothing to do.
FOUND = Kept()


def missing_glyphs(font_path: Path) -> tuple[str, ...]:
    """Characters of GLYPH_SET the font lacks; 'mark feature' when U+0301 cannot be positioned."""
    return FOUND.get((str(font_path), file_version(font_path), _checker_version()), lambda: _missing(font_path))


@lru_cache(maxsize=1)
def _checker_version() -> tuple:
    from kit.codehash import library_version

    return GLYPH_SET, file_version(__file__), library_version("fonttools")


def _missing(font_path: Path) -> tuple[str, ...]:
    from fontTools.ttLib import TTFont  # fontTools is already a WeasyPrint dependency

    with TTFont(str(font_path), lazy=True) as font:
        cmap = font.getBestCmap() or {}
        missing = [f"U+{ord(c):04X}" for c in GLYPH_SET if ord(c) not in cmap]
        if not _has_mark_feature(font):
            missing.append("GPOS 'mark' feature (needed to place U+0301 on Võro letters)")
    return tuple(missing)


def _has_mark_feature(font) -> bool:
    if "GPOS" not in font:
        return False
    features = font["GPOS"].table.FeatureList
    return any(record.FeatureTag == "mark" for record in (features.FeatureRecord if features else []))
