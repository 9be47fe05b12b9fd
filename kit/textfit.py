"""Set text in a box with Pillow: the largest size that fits within a line limit, or a clear failure.

Lines break at spaces and at soft hyphens; Estonian words that are still too long are hyphenated with
pyphen (after the brand's exception list); Võro is never hyphenated automatically (pyphen has no
patterns for it, and Estonian ones would mangle it). Nothing is ever truncated or ellipsised.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import pyphen
from PIL import ImageFont

from kit.filecache import by_file_version

SOFT_HYPHEN = "\u00ad"
HYPHEN = "-"
LANGUAGE_TAGS = {"et": "et", "en": "en", "vro": "et"}  # Raqm shaping language; vro shapes like et


@dataclass(frozen=True)
class Fitted:
    size: int
    lines: tuple[str, ...]
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


@by_file_version(maxsize=256)
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


@by_file_version(maxsize=8)
def _glyphs(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as tt:
        return frozenset(tt.getBestCmap())


def missing_characters(text: str, font_path: Path) -> list[str]:
    """Characters the font has no glyph for (they would print as empty boxes)."""
    cmap = _glyphs(font_path)
    return sorted({c for c in text if c not in "\n\t" and ord(c) not in cmap})


@lru_cache(maxsize=4)
def _hyphenator(lang: str) -> pyphen.Pyphen | None:
    return pyphen.Pyphen(lang="et_EE") if lang == "et" else None


def break_points(word: str, lang: str, exceptions: Mapping[str, str]) -> list[int]:
    """Positions where a word may break with a hyphen: soft hyphens always; et also by exception list or pyphen."""
    if SOFT_HYPHEN in word:
        return _soft_positions(word)
    if lang != "et":
        return []
    known = exceptions.get(word.lower())
    if known:
        return _soft_positions(known.replace(HYPHEN, SOFT_HYPHEN))
    hyphenator = _hyphenator(lang)
    return list(hyphenator.positions(word)) if hyphenator else []


def _soft_positions(marked: str) -> list[int]:
    positions, count = [], 0
    for char in marked:
        if char == SOFT_HYPHEN:
            positions.append(count)
        else:
            count += 1
    return positions


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float, lang: str,
         exceptions: Mapping[str, str]) -> list[str] | None:
    """Greedy word wrap; a word wider than the line is hyphenated where allowed. None if it cannot fit."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        words = paragraph.split()
        while words:
            word = words.pop(0)
            candidate = f"{current} {_plain(word)}".strip()
            if _width(face, candidate, lang) <= width:
                current = candidate
                continue
            head, tail = _split_to_fit(word, current, face, width, lang, exceptions)
            if head:
                lines.append(f"{current} {head}".strip())
                current = ""
                words.insert(0, tail)
            elif current:
                lines.append(current)
                current = ""
                words.insert(0, word)
            else:
                return None  # a single unbreakable word wider than the box
        lines.append(current)
    return lines


def _split_to_fit(word: str, current: str, face, width: float, lang: str, exceptions) -> tuple[str, str]:
    """The longest hyphenated head of `word` that still fits after `current`, and the rest."""
    plain = _plain(word)
    for pos in sorted(break_points(word, lang, exceptions), reverse=True):
        head = plain[:pos] + HYPHEN
        if _width(face, f"{current} {head}".strip(), lang) <= width:
            return head, plain[pos:]
    return "", word


def _plain(word: str) -> str:
    return word.replace(SOFT_HYPHEN, "")


def _width(face: ImageFont.FreeTypeFont, text: str, lang: str) -> float:
    return face.getlength(text, language=LANGUAGE_TAGS.get(lang, "et"))


def fit(text: str, font_path: Path, box: tuple[int, int], sizes: tuple[int, int], max_lines: int, lang: str,
        exceptions: Mapping[str, str], leading: float = 1.15) -> Fitted | None:
    """The largest size in [min, max] whose wrapped lines fit the box and the line limit; None if none does.

    Tries the minimum first (a text that cannot fit fails fast), then a binary search: fewer pixels
    never need more lines, so the sizes that fit form one range from the minimum up."""
    low, high = sizes
    best = _try(text, font_path, box, low, max_lines, lang, exceptions, leading)
    if best is None:
        return None
    low += 1
    while low <= high:
        middle = (low + high) // 2
        attempt = _try(text, font_path, box, middle, max_lines, lang, exceptions, leading)
        if attempt is None:
            high = middle - 1
        else:
            best, low = attempt, middle + 1
    return best


def _try(text: str, font_path: Path, box: tuple[int, int], size: int, max_lines: int, lang: str,
         exceptions: Mapping[str, str], leading: float) -> Fitted | None:
    lines = wrap(text, font(font_path, size), box[0], lang, exceptions)
    line_height = round(size * leading)
    if lines is None or len(lines) > max_lines or line_height * len(lines) > box[1]:
        return None
    return Fitted(size=size, lines=tuple(lines), line_height=line_height)
