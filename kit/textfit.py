"""Set text in a box like a typesetter: the size and line breaks with the best breaks, or a clear failure.

For every size in the layout's range the setter finds the best way to break the text into lines (a small
dynamic programme over the break opportunities) and scores it: a hyphen, a one-word last line and ragged
lines cost; a larger size is preferred only among settings of similar quality. The rules a typesetter keeps:

- a word moves to the next line before it is hyphenated: only a word too wide for a line on its own may
  break, at a point from the brand's exception list or the Estonian patterns (pyphen), never leaving
  fewer than 3 letters on either side; Võro is never hyphenated automatically (pyphen has no patterns for
  it, and Estonian ones would mangle it), only at soft hyphens the writer typed;
- short words, proper names (municipality and place names from brand/ and the message, and any word with a
  capital in mid-sentence), numbers, addresses and e-mails never break;
- units stay together: no-break spaces are honoured, a dash never starts a line, a day stays with its
  month, „kell“ with its time, a number with its unit; a „·“ separator is dropped where a line breaks
  there, so no line starts with „· Väimela rahvamaja“.

Nothing is ever truncated or ellipsised. Inter's capital I is set with its serifs (feature cv08) so it is
never read as a lowercase l („Iisraeli“, „Iistlaulja“).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import pyphen
from PIL import ImageFont

from kit.filecache import by_file_version

SOFT_HYPHEN = "\u00ad"
NBSP = "\u00a0"
HYPHEN = "-"
SEPARATOR = "·"
LANGUAGE_TAGS = {"et": "et", "en": "en", "vro": "et"}  # Raqm shaping language; vro shapes like et
# Inter's alternate capital I with serifs (cv08 in Inter 3.19 and 4): „Iisak“ never reads „lisak“.
FEATURES = ("cv08",)
# (WeasyPrint gets the same through font-feature-settings in brand/templates/poster.css and press.css.)

MIN_PART = 3  # letters on either side of a hyphen
MIN_HYPHENATED = 8  # shorter words never break („kõrgeim“, „kohalik“)
REFERENCE_SIZE = 1000  # widths are measured once at this size and scaled (checked at the real size at the end)

# Penalties, in the unit of one fully empty line (raggedness of a line = (slack / width)²).
HYPHEN_COST = 3.0
ORPHAN_COST = 0.8  # a one-word last line under a line of several words (one of them could come down)
SHORT_ORPHAN_COST = 1.5  # a short word (≤ 5 letters) alone on the last line
LONELY_COST = 0.6  # a line other than the last holding one short word („The“ / „community“)
TINY_LONELY_COST = 2.0  # ... or a one- or two-letter word („on“, „a“)
DANGLING_COST = 0.3  # a line ending in a one-letter word („a“, „I“)
SEPARATOR_BONUS = 0.3  # a line break at a „·“ separator is the natural place for it
SIZE_WEIGHT = 1.5  # the smallest size of the range costs this much more than the largest

MONTHS = {"jaanuar", "veebruar", "märts", "aprill", "mai", "juuni", "juuli", "august", "september", "oktoober",
          "november", "detsember", "vahtsõaastagakuu", "radokuu", "urbõkuu", "mahlakuu", "lehekuu", "piimäkuu",
          "hainakuu", "põimukuu", "süküskuu", "rehekuu", "märtekuu", "joulukuu", "january", "february", "march",
          "april", "may", "june", "july", "september", "october", "december"}
BIND_NEXT = {"kell", "kl", "kl.", "at", "nr", "nr.", "tel", "tel.", "p."}
UNITS = {"m", "km", "cm", "mm", "kg", "g", "h", "min", "s", "€", "%", "eur", "eurot", "ha", "°c", "m²", "m2"}
DASHES = {"–", "—", "-"}


@dataclass(frozen=True)
class Fitted:
    size: int
    lines: tuple[str, ...]
    line_height: int

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


@dataclass(frozen=True)
class Rules:
    """What the setter may do with a text's words: the language, the hyphenation exceptions, the names."""

    lang: str
    exceptions: Mapping[str, str] = field(default_factory=dict)
    names: frozenset[str] = frozenset()  # lower-case proper names (and their stems) that never break


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


def width(face: ImageFont.FreeTypeFont, text: str, lang: str) -> float:
    """The advance width of a line as drawn (shaped for the language, with the brand's font features)."""
    return face.getlength(text, language=LANGUAGE_TAGS.get(lang, "et"), features=list(FEATURES))


def draw_options(lang: str) -> dict:
    """Keyword arguments for ImageDraw.text that match `width`."""
    return {"language": LANGUAGE_TAGS.get(lang, "et"), "features": list(FEATURES)}


# ---- names and break points ---------------------------------------------------------------------

def names_from(texts: Iterable[str]) -> frozenset[str]:
    """Lower-case proper names from place and municipality names: every capitalised word of them."""
    found = set()
    for text in texts:
        for word in re.split(r"[\s,;:()„“”\"/]+", text):
            core = _core(word)
            if len(core) >= 3 and core[:1].isupper():
                found.add(core.lower())
    return frozenset(found)


def place_names(brand, message=None) -> frozenset[str]:
    """Proper names the setter never splits: the municipalities' names in every language, and the
    message's own places (venues, address)."""
    texts = [name for m in brand.municipalities.values() for name in m.names.values()]
    if message is not None and message.event is not None:
        texts += [*message.event.venues.values(), message.event.address or ""]
    return names_from(texts)


def is_name(word: str, first: bool, rules: Rules) -> bool:
    """A proper name: capitalised in mid-sentence, or a known name or an inflected form of one („Väimelas“)."""
    core = _core(word)
    if core[:1].isupper() and not first:
        return True
    lower = core.lower()
    return any(lower.startswith(name) and len(lower) - len(name) <= 4 for name in rules.names)


@lru_cache(maxsize=4)
def _hyphenator(lang: str) -> pyphen.Pyphen | None:
    return pyphen.Pyphen(lang="et_EE") if lang == "et" else None


def break_points(word: str, lang: str, exceptions: Mapping[str, str]) -> list[int]:
    """Positions where a word may break with a hyphen: soft hyphens always; et also by exception list or pyphen."""
    if SOFT_HYPHEN in word:
        return _soft_positions(word)
    if lang != "et":
        return []
    known = exceptions.get(_core(word).lower())
    if known:
        lead = word.index(_core(word)[:1]) if _core(word) else 0
        return [lead + p for p in _soft_positions(known.replace(HYPHEN, SOFT_HYPHEN))]
    hyphenator = _hyphenator(lang)
    return list(hyphenator.positions(word)) if hyphenator else []


def allowed_breaks(word: str, first: bool, rules: Rules) -> list[int]:
    """The break points a typesetter would use: none in a short word, a name, a number or an address;
    at least MIN_PART letters on either side."""
    plain = _plain(word)
    core = _core(plain)
    if NBSP in word:
        return []  # units kept together never break
    if SOFT_HYPHEN not in word and (sum(c.isalpha() for c in core) < MIN_HYPHENATED or is_name(plain, first, rules)
                                    or any(c.isdigit() or c in "/@.:_" for c in core) or core.isupper()):
        return []
    result = []
    for pos in break_points(word, rules.lang, rules.exceptions):
        left, right = plain[:pos], plain[pos:]
        if sum(c.isalpha() for c in left) >= MIN_PART and sum(c.isalpha() for c in right) >= MIN_PART \
                and left[-1:].isalpha() and right[:1].isalpha():
            result.append(pos)
    return result


def _soft_positions(marked: str) -> list[int]:
    positions, count = [], 0
    for char in marked:
        if char == SOFT_HYPHEN:
            positions.append(count)
        else:
            count += 1
    return positions


def _plain(word: str) -> str:
    return word.replace(SOFT_HYPHEN, "")


def _core(word: str) -> str:
    return word.strip(".,:;!?„“”\"'()[]«»…–—-")


# ---- keeping units together ------------------------------------------------------------------------

def keep_together(text: str) -> str:
    """No-break spaces where a line must not break: before a dash, after a day number before its month
    („12. märts“), after „kell“/„at“, between a number and its unit („318 m“), before a year after a month
    and between a name and its number („Tartu 2024“)."""
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        out = words[:1]
        for word in words[1:]:
            previous = out[-1]
            if _binds(previous, word):
                out[-1] = f"{previous}{NBSP}{word}"
            else:
                out.append(word)
        lines.append(" ".join(out))
    return "\n".join(lines)


def _binds(previous: str, word: str) -> bool:
    last = previous.split(NBSP)[-1]
    if not last or not word:
        return False
    core_prev, core = _core(last).lower(), _core(word).lower()
    if word in DASHES:
        return True  # a dash never starts a line
    if last.lower() in BIND_NEXT:
        return True
    if re.fullmatch(r"\d{1,2}\.?", last) and (core in MONTHS or core == "päiv"):
        return True  # 12. märts, 12 March, (mahlakuu) 28. päiv
    if (core_prev in MONTHS or core_prev == "päiv") and re.fullmatch(r"\d{1,4}\.?,?", word):
        return True  # märts 2027, mahlakuu 28. päiv 2027
    if re.fullmatch(r"[\d.,–-]+", last) and core in UNITS:
        return True  # 318 m, 25 €
    if re.fullmatch(r"\d{4}[.,!?]?", word) and _core(last)[:1].isupper():
        return True  # Tartu 2024
    return False


# ---- the setter ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Piece:
    """Text between two break opportunities, and the kind of break after it."""

    text: str
    after: str  # "space", "hyphen", "separator", "newline" or "end"
    word_end: bool  # the piece ends a word (a hyphen break is inside a word)


def _pieces(text: str, rules: Rules, hyphenate: Callable[[str], bool]) -> list[_Piece]:
    """Break opportunities of a text: spaces, a „·“ separator, and hyphenation points in words that
    `hyphenate` says cannot fit a line on their own."""
    pieces: list[_Piece] = []
    paragraphs = text.split("\n")
    for p_index, paragraph in enumerate(paragraphs):
        words = [w for w in paragraph.split(" ") if w]
        first = True
        for w_index, word in enumerate(words):
            if word == SEPARATOR and pieces and pieces[-1].after == "space":
                pieces[-1] = _Piece(pieces[-1].text, "separator", True)
                continue
            parts = [_plain(word)]
            if hyphenate(_plain(word)):
                positions = allowed_breaks(word, first, rules)
                plain = _plain(word)
                bounds = [0, *positions, len(plain)]
                parts = [plain[a:b] for a, b in zip(bounds, bounds[1:])]
            for part in parts[:-1]:
                pieces.append(_Piece(part, "hyphen", False))
            last_in_paragraph = w_index == len(words) - 1
            after = ("end" if p_index == len(paragraphs) - 1 else "newline") if last_in_paragraph else "space"
            pieces.append(_Piece(parts[-1], after, True))
            first = word[-1:] in ".!?:" and not word[:-1].isdigit()  # „12.“ is an ordinal, not a sentence end
    return pieces


_JOINS = {"space": " ", "hyphen": "", "separator": f" {SEPARATOR} "}  # what follows a piece inside a line


@dataclass(frozen=True)
class Setting:
    lines: tuple[str, ...]
    cost: float  # what the line breaking minimised at this size


def set_lines(text: str, measure: Callable[[str], float], line_width: float, max_lines: int,
              rules: Rules) -> Setting | None:
    """The best line breaking of `text` within `line_width` and `max_lines` (widths from `measure`);
    None if no breaking fits."""
    pieces = _pieces(text, rules, lambda word: measure(word) > line_width)
    if not pieces:
        return Setting(("",), 0.0)
    n = len(pieces)
    table = _line_table(tuple(pieces))
    words_before = table.words_before
    # best[k][i]: (cost, previous index) of setting pieces[:i] in k lines, ending with a break after i - 1.
    best: list[dict[int, tuple[float, int]]] = [{0: (0.0, -1)}]
    for k in range(1, max_lines + 1):
        row: dict[int, tuple[float, int]] = {}
        for start, (cost, above) in best[k - 1].items():  # `above`: where the line before this one starts
            if start >= n:
                continue
            several_above = above >= 0 and words_before[start] - words_before[above] > 1
            for line in table.lines_from(start):
                w = measure(line.text)
                if w > line_width:
                    break
                line_cost = cost + line.cost(w, line_width, several_above)
                if line.end not in row or line_cost < row[line.end][0]:
                    row[line.end] = (line_cost, start)
        best.append(row)
    finished = [(best[k][n][0], k) for k in range(1, max_lines + 1) if n in best[k]]
    if not finished:
        return None
    cost, k = min(finished)
    ends, end = [], n
    while k > 0:
        ends.append(end)
        end = best[k][end][1]
        k -= 1
    bounds = [0, *reversed(ends)]
    return Setting(tuple(table.line(a, b).text for a, b in zip(bounds, bounds[1:])), cost)


@dataclass(frozen=True)
class _Line:
    """A possible line: pieces[start:end], its text as drawn, and its penalties, which do not depend on the size.
    `cost` adds them in the order a line's cost was always summed in, so every size ranks to the same bit."""

    end: int
    text: str
    before_orphan: tuple[float, ...]  # hyphen, separator
    may_orphan: bool  # a one-word last line: it costs more when the line above holds several words
    after_orphan: tuple[float, ...]  # short orphan, lonely word, dangling one-letter word

    def cost(self, w: float, line_width: float, several_above: bool) -> float:
        """Raggedness of the line plus its penalties; `several_above`: the line above holds several words."""
        cost = ((line_width - w) / line_width) ** 2
        for penalty in self.before_orphan:
            cost += penalty
        if self.may_orphan and several_above:
            cost += ORPHAN_COST
        for penalty in self.after_orphan:
            cost += penalty
        return cost


@lru_cache(maxsize=64)
def _line_table(pieces: tuple[_Piece, ...]) -> _LineTable:
    return _LineTable(pieces)


class _LineTable:
    """The lines that could begin at each piece, shortest first, found as far as a setting has asked. A text is
    set at every size of its range, and its pieces are the same at most sizes: a line's text and penalties are
    found once, only its width scales."""

    def __init__(self, pieces: tuple[_Piece, ...]):
        self.pieces = pieces
        self.words_before = [0]  # words in pieces[:i]
        for piece in pieces:
            self.words_before.append(self.words_before[-1] + piece.word_end)
        self._multi_word = self.words_before[-1] > 1
        self._found: list[list[_Line]] = [[] for _ in pieces]
        self._prefix = [""] * len(pieces)  # the text of the longest line found so far, without its last piece
        self._complete = [False] * len(pieces)

    def line(self, start: int, end: int) -> _Line:
        """The line pieces[start:end], once a setting has asked for the lines from `start` that far."""
        return self._found[start][end - start - 1]

    def lines_from(self, start: int) -> Iterator[_Line]:
        found = self._found[start]
        yield from found
        pieces = self.pieces
        end = start + 1 + len(found)
        while not self._complete[start]:
            if end > len(pieces) or (end - 2 >= start and pieces[end - 2].after == "newline"):
                self._complete[start] = True  # a line never runs over the writer's line break
                return
            if end - 2 >= start:
                before = pieces[end - 2]
                self._prefix[start] += before.text + _JOINS.get(before.after, "")
            line = self._line(start, end)
            found.append(line)
            yield line
            end += 1

    def _line(self, start: int, end: int) -> _Line:
        """The line pieces[start:end] and its penalties, as typesetters weigh them."""
        last = self.pieces[end - 1]
        text = self._prefix[start] + last.text + (HYPHEN if last.after == "hyphen" else "")
        before = (HYPHEN_COST,) if last.after == "hyphen" else (-SEPARATOR_BONUS,) if last.after == "separator" else ()
        one_word = self._multi_word and self.words_before[end] - self.words_before[start] == 1
        length = sum(c.isalpha() for c in last.text)
        after: list[float] = []
        if one_word and last.after == "end":
            if length <= 5:
                after.append(SHORT_ORPHAN_COST)
        elif one_word and last.word_end and length <= 4:
            after.append(TINY_LONELY_COST if length <= 2 else LONELY_COST)
        if last.after in ("space", "separator") and len(_core(last.text.split(NBSP)[-1])) == 1 \
                and last.text.split(NBSP)[-1].isalpha():
            after.append(DANGLING_COST)
        return _Line(end, text, before, one_word and last.after == "end", tuple(after))


def fit(text: str, font_path: Path, box: tuple[int, int], sizes: tuple[int, int], max_lines: int, lang: str,
        exceptions: Mapping[str, str], leading: float = 1.15, names: frozenset[str] = frozenset()) -> Fitted | None:
    """The size in [min, max] with the best line breaks that fit the box and the line limit; None if none does.

    Every size is set with its best breaking (widths measured once at a reference size and scaled); the
    settings are ranked by their cost plus a preference for larger sizes, and the best is checked with
    the real font at its size (an off-by-a-pixel line falls back to the next best)."""
    rules = Rules(lang, exceptions, names)
    text = keep_together(text)
    measure = _reference_measure(font_path, lang)
    low, high = sizes
    ranked = []
    for size in range(high, low - 1, -1):
        line_height = round(size * leading)
        lines_allowed = min(max_lines, box[1] // line_height) if line_height else 0
        if lines_allowed < 1:
            continue
        scale = size / REFERENCE_SIZE
        setting = set_lines(text, lambda s: measure(s) * scale, box[0], lines_allowed, rules)
        if setting is not None:
            ranked.append((setting.cost + size_cost(size, (low, high)), -size, setting, line_height))
    ranked.sort(key=lambda r: (r[0], r[1]))
    for _, minus_size, setting, line_height in ranked:
        face = font(font_path, -minus_size)
        if all(width(face, line, lang) <= box[0] for line in setting.lines):
            return Fitted(size=-minus_size, lines=setting.lines, line_height=line_height)
    return None


@by_file_version(maxsize=16)
def _reference_measure(font_path: Path, lang: str) -> Callable[[str], float]:
    face = font(font_path, REFERENCE_SIZE)

    @lru_cache(maxsize=8192)
    def measure(text: str) -> float:
        return width(face, text, lang)

    return measure


def set_at(text: str, font_path: Path, size: float, line_width: float, max_lines: int, rules: Rules) -> Setting | None:
    """The best breaking of a text at one given size (posters: WeasyPrint sets the lines Python chose)."""
    measure = _reference_measure(font_path, rules.lang)
    scale = size / REFERENCE_SIZE
    return set_lines(keep_together(text), lambda s: measure(s) * scale, line_width, max_lines, rules)


def size_cost(size: float, sizes: tuple[float, float]) -> float:
    """The preference for larger sizes that `fit` adds to a setting's cost."""
    low, high = sizes
    return SIZE_WEIGHT * (high - size) / max(high - low, 1e-9)
