"""Headlines broken like a typesetter would break them: every sample headline, every format and language.

The rules (issue 12): a word moves to the next line before it is hyphenated, so a hyphenated word must be
too wide for a line on its own; never fewer than 3 letters on either side of a hyphen; no proper name split;
no one-word last line of a multi-word headline where a balanced break exists; units kept together in the
date and venue lines. Social cards are read from the setter's lines, posters from WeasyPrint's laid-out boxes.
"""
from __future__ import annotations

import re
from itertools import combinations

import pytest

from kit.platforms import rules
from kit.render.social import _blocks
from kit.textfit import font
from tests.conftest import NOW, REPO

NBSP = "\u00a0"
MIN_PART = 3


@pytest.fixture(scope="module")
def sample():
    """The repository's own brand and messages, read with the content loader (nothing is written)."""
    from kit.build import load_project
    from kit.config import load_settings
    from kit.render import RenderContext

    settings = load_settings(REPO)
    brand, content = load_project(settings)
    return RenderContext(settings, brand, {m.id: m for m in content.messages}, NOW, content.intros or {})


def headlines(ctx):
    """(message, language) for every message and every language it has its own text in."""
    for message in ctx.messages.values():
        for lang in ctx.settings.languages:
            if message.text(lang).lang == lang:
                yield message, lang


def known_names(ctx, message) -> set[str]:
    """Place and municipality names from brand/ and the message's venues, lower-case."""
    texts = [name for m in ctx.brand.municipalities.values() for name in m.names.values()]
    if message.event:
        texts += [*message.event.venues.values(), message.event.address or ""]
    return {w.lower() for t in texts for w in re.split(r"[\s,]+", t) if w[:1].isupper() and len(w) >= 3}


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def words_of(lines) -> list[str]:
    """The headline's words (no-break spaces keep a unit together as one word), hyphenated words rejoined."""
    words: list[str] = []
    joining = False
    for line in lines:
        parts = line.split(" ")
        if joining:
            words[-1] = words[-1][:-1] + parts[0]
            parts = parts[1:]
        words += parts
        joining = line.endswith("-") and len(line) > 1 and line[-2].isalpha()
    return words


def faults(lines: tuple[str, ...], measure, box_width: float, names: set[str], title: str) -> list[str]:
    """Every break a typesetter would not make, as readable sentences."""
    found = []
    first_word = title.split()[0]
    for i, line in enumerate(lines[:-1]):
        if not (line.endswith("-") and line[-2:-1].isalpha()):
            continue
        head = line.split(" ")[-1][:-1]
        tail = lines[i + 1].split(" ")[0]
        word = head + tail
        core = word.strip(".,:;!?„“”\"()")
        if measure(word) <= box_width:
            found.append(f"„{head}-/{tail}“ is hyphenated though „{word}“ fits a line on its own")
        if letters(head) < MIN_PART or letters(tail) < MIN_PART:
            found.append(f"„{head}-/{tail}“ leaves fewer than {MIN_PART} letters on a side")
        if (core[:1].isupper() and core != first_word.strip("„“\"")) or \
                any(core.lower().startswith(n) for n in names):
            found.append(f"the proper name „{core}“ is split")
    words = words_of(lines)
    last_words = lines[-1].split(" ")
    if len(lines) > 1 and len(words) > 1 and len(last_words) == 1 and not lines[-2].endswith("-"):
        balanced = balanced_break(words, len(lines), measure, box_width)
        if balanced:
            found.append(f"one-word last line „{lines[-1]}“ though {' / '.join(balanced)} fits")
    for line in lines:
        if line.startswith(("·", "–", "—")):
            found.append(f"a line starts with „{line[:12]}…“")
        if line.rstrip().endswith((" kell", " at", " ·")) or line == "kell":
            found.append(f"a line ends in „{line[-8:]}“")
    return found


def balanced_break(words: list[str], count: int, measure, box_width: float) -> tuple[str, ...] | None:
    """A breaking of `words` into at most `count` lines, all fitting, whose last line has several words."""
    for n_lines in range(1, count + 1):
        for cuts in combinations(range(1, len(words)), n_lines - 1):
            bounds = [0, *cuts, len(words)]
            lines = tuple(" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:]))
            if len(lines[-1].split(" ")) > 1 and all(measure(line) <= box_width for line in lines):
                return lines
    return None


def measurer(block):
    face = font(block.font_path, block.fitted.size)
    return lambda text: face.getlength(text, features=["cv08"])


def test_every_sample_headline_is_broken_like_a_typesetter_would(sample):
    problems = []
    checked = 0
    for message, lang in headlines(sample):
        names = known_names(sample, message)
        for fmt in rules().formats.values():
            blocks = _blocks(message, lang, fmt, sample.brand)
            for part in ("title", "meta"):
                if part not in blocks:
                    continue
                block = blocks[part]
                width = block.box[2] - block.box[0]
                text = message.text(lang).title if part == "title" else ""
                for fault in faults(block.fitted.lines, measurer(block), width, names if part == "title" else set(),
                                    text or block.fitted.lines[0]):
                    problems.append(f"{message.id} {lang} {fmt.name} {part}: {fault}  [{' / '.join(block.fitted.lines)}]")
                checked += 1
    assert checked > 200
    assert problems == []


def test_the_setter_moves_a_word_before_it_hyphenates_it(sample):
    """The worst headline of the samples, set in the narrowest column: four hyphens were made here."""
    from dataclasses import replace

    message = sample.messages["koolitusprogramm"]
    for fmt in rules().formats.values():
        title = _blocks(message, "et", fmt, sample.brand)["title"]
        assert not any(line.endswith("-") for line in title.fitted.lines), (fmt.name, title.fitted.lines)
    # A word too wide for a line on its own is still hyphenated, at a good point.
    long = replace(message.translations["et"], title="Koostöövõrgustikuprogrammid ühendavad")
    message = replace(message, translations={**message.translations, "et": long})
    title = _blocks(message, "et", rules().formats["link-preview"], sample.brand)["title"]
    assert title.fitted.lines[0].endswith("-") and letters(title.fitted.lines[1].split()[0]) >= MIN_PART


def test_units_stay_together():
    from kit.textfit import keep_together

    assert keep_together("6. veebruar 2027, kell 12.00–18.00 · Haanja rahvamaja") == \
        f"6.{NBSP}veebruar{NBSP}2027, kell{NBSP}12.00–18.00 · Haanja rahvamaja"
    assert keep_together("Suur Munamägi – tipp, 318 m") == f"Suur Munamägi{NBSP}– tipp, 318{NBSP}m"
    assert keep_together("Võrumaa räägib Tartu 2024 pärandist") == f"Võrumaa räägib Tartu{NBSP}2024 pärandist"


def test_a_separator_is_dropped_where_the_line_breaks():
    from kit.textfit import Rules, set_lines

    setting = set_lines("14. märts 2027, kell 18.00 · Värska kultuurimaja", len, 30, 3, Rules("et"))
    assert setting.lines == ("14. märts 2027, kell 18.00", "Värska kultuurimaja")


def test_proper_names_and_short_words_never_break():
    from kit.textfit import Rules, allowed_breaks

    rules_et = Rules("et", {}, frozenset({"väimela", "haanja"}))
    assert allowed_breaks("Väimelas", False, rules_et) == []
    assert allowed_breaks("Väimelas", True, rules_et) == []  # a known place, even first in the sentence
    assert allowed_breaks("Munamägi", False, Rules("et")) == []  # a capital in mid-sentence
    assert allowed_breaks("õhtu", False, rules_et) == [] and allowed_breaks("kõrgeim", False, rules_et) == []
    assert allowed_breaks("töötuppa!", False, rules_et) == [3]  # töö-tuppa!, never töötup-pa!
    assert all(3 <= p <= len("innovatsioonini") - 3 for p in allowed_breaks("innovatsioonini", False, rules_et))


# ---- posters: the same rules, read from WeasyPrint's laid-out line boxes ---------------------------------

def poster_title_lines(document) -> tuple[list[str], float]:
    """The h1's lines as WeasyPrint laid them out (LineBox → TextBox texts), and the h1's width."""
    from kit.render.pdf import boxes

    for box in boxes(document.pages[0]._page_box):
        if getattr(box, "element_tag", None) == "h1":
            lines = []
            for line in box.children:
                text = "".join(b.text for b in boxes(line) if hasattr(b, "text") and type(b).__name__ == "TextBox")
                # WeasyPrint sets an automatic hyphen as U+2010 and keeps the soft hyphens in the text.
                lines.append(text.replace("\u00ad", "").replace("\u2010", "-").strip())
            return lines, box.width
    raise AssertionError("no h1 on the poster")


LONGEST = [("koolitusprogramm", "et"), ("koolitusprogramm", "en"), ("loov-voru-maakond", "vro"),
           ("suur-munamagi", "vro"), ("tartu-2024-sonumid", "et"), ("koosloome-tootoad", "en")]


@pytest.mark.parametrize("message_id,lang", LONGEST)
def test_poster_titles_are_broken_like_a_typesetter_would(sample, message_id, lang):
    from kit.render.poster import Paper, layout, title_setting

    message = sample.messages[message_id]
    names = known_names(sample, message)
    face_path = sample.brand.fonts.display
    for paper in (Paper("A4", False), Paper("A4", True)):
        municipality = message.municipalities[0]
        document, _ = layout(message, lang, municipality, paper, sample)
        lines, box_width = poster_title_lines(document)
        size_px = next(b.style["font_size"] for b in _h1_boxes(document))
        face = font(face_path, 200)
        measure = (lambda text, s=size_px: face.getlength(text, features=["cv08"]) * s / 200)
        problems = faults(tuple(lines), measure, box_width, names, message.text(lang).title)
        assert problems == [], (paper.variant, lines)
        # WeasyPrint set exactly the lines the setter chose: its measure agrees with the stylesheet's.
        size = _h1_boxes(document)[0].element.get("class").removeprefix("size-")
        assert lines == list(title_setting(message, lang, paper, sample, size).lines)


def _h1_boxes(document):
    from kit.render.pdf import boxes

    return [b for b in boxes(document.pages[0]._page_box) if getattr(b, "element_tag", None) == "h1"]


# ---- Inter's capital I with serifs (cv08), wherever text is set ---------------------------------------------

def test_cards_set_the_capital_i_with_serifs(sample):
    from kit.textfit import width

    face = font(sample.brand.fonts.display, 100)
    serifed, plain = width(face, "IIII", "et"), face.getlength("IIII")
    assert serifed > plain * 1.2  # the serifed I (cv08) is wider than the bare stroke


@pytest.mark.parametrize("kind", ["poster", "press"])
def test_print_sets_the_capital_i_with_serifs(sample, kind):
    """WeasyPrint applies the stylesheet's font-feature-settings: the same headline set without it is narrower."""
    from dataclasses import replace

    from kit.press import press_release
    from kit.render import poster, press
    from kit.render.pdf import boxes, render_document

    message = sample.messages["koosloome-tootoad"]
    message = replace(message, translations={**message.translations,
                                             "et": replace(message.translations["et"], title="IIII IIII")})
    templates = sample.brand.root / "templates"
    if kind == "poster":
        html = poster.poster_html(message, "et", message.municipalities[0], poster.Paper("A4", True), sample, "s")
    else:
        release = press_release(message, "et", sample.brand, sample.settings.site_url)
        html = press.html(release, message, sample, message.updated.isoformat(timespec="seconds"), css_href="")

    def headline_width(page_html: str) -> float:
        document = render_document(page_html, templates, (sample.brand.root, message.folder), "probe",
                                   stylesheet=templates / f"{kind}.css")
        h1 = next(b for b in boxes(document.pages[0]._page_box) if getattr(b, "element_tag", None) == "h1")
        return max(b.width for b in boxes(h1) if type(b).__name__ == "TextBox")

    plain = html.replace("</head>", "<style>h1 { font-feature-settings: normal; }</style></head>")
    assert headline_width(html) > headline_width(plain) * 1.2
