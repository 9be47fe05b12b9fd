"""brand/ → Brand: tokens, fonts, municipality profiles, co-brands, channels, themes. Every problem at once."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from kit.errors import Problem
from kit.glyphs import missing_glyphs
from kit.model import LANGUAGES, Brand, Channel, CoBrand, Fonts, Municipality, Theme
from kit.schema import Checker, load_yaml

FONT_ROLES = ("display", "bold", "semibold", "regular", "italic")
PLATFORMS = ("instagram", "facebook", "x", "linkedin", "mastodon", "threads")
ASSETS = ("mark.svg", "mark.png", "pattern.svg", "pattern.png")


def load_brand(root: Path, project_root: Path) -> tuple[Brand | None, list[Problem]]:
    problems: list[Problem] = []
    opened = {name: _open(root / f"{name}.yaml", project_root, problems)
              for name in ("tokens", "municipalities", "cobrands", "channels", "themes", "organisation",
                           "hyphenation")}
    checkers = {name: checker for name, checker in opened.items() if checker is not None}
    if len(checkers) < len(opened):
        return None, problems
    tokens = checkers["tokens"]
    colors = _colors(tokens)
    brand = Brand(
        root=root,
        colors=colors,
        pairs=_pairs(tokens, colors),
        type_scale=_numbers(tokens, "type_scale"),
        spacing=_numbers(tokens, "spacing"),
        fonts=_fonts(tokens, root, project_root),
        municipalities=_municipalities(checkers["municipalities"]),
        cobrands=_cobrands(checkers["cobrands"], root),
        channels={},
        themes=_themes(checkers["themes"]),
        organisation=checkers["organisation"].doc.data,
        hyphenation=_hyphenation(checkers["hyphenation"]),
    )
    brand = _with_channels(brand, checkers["channels"])
    for name in ASSETS:
        if not (root / name).is_file():
            problems.append(Problem(_shown(root / name, project_root), 0, "", "brand asset is missing; "
                                    "run scripts/make_brand_assets.py"))
    for checker in checkers.values():
        problems.extend(checker.problems)
    return brand, problems


def _open(path: Path, project_root: Path, problems: list[Problem]) -> Checker | None:
    shown = _shown(path, project_root)
    if not path.is_file():
        problems.append(Problem(shown, 0, "", "brand file is missing"))
        return None
    doc = load_yaml(path, shown, problems)
    return Checker(shown, doc) if doc is not None else None


def _shown(path: Path, project_root: Path) -> str:
    try:
        return str(path.relative_to(project_root))
    except ValueError:
        return str(path)


def _colors(c: Checker) -> dict[str, str]:
    names = c.raw(("colors",))
    if not isinstance(names, dict) or not names:
        c.problem(("colors",), "must name at least one colour")
        return {}
    return {name: c.color("colors", name) for name in names}


def _pairs(c: Checker, colors: dict[str, str]) -> dict[str, tuple[str, str]]:
    pairs = {}
    for role in c.raw(("pairs",)) or {}:
        fg, bg = (c.strings("pairs", role) + ("", ""))[:2]
        for index, name in enumerate((fg, bg)):
            c.choice(("pairs", role, index), name, colors, "colour")
        pairs[role] = (colors.get(fg, "#000000"), colors.get(bg, "#FFFFFF"))
    return pairs


def _numbers(c: Checker, section: str) -> dict[str, float]:
    values = {}
    for key in c.raw((section,)) or {}:
        text = c.string(section, key, required=True)
        try:
            values[key] = float(text)
        except ValueError:
            c.problem((section, key), f"'{text}' is not a number")
    return values


def _fonts(c: Checker, root: Path, project_root: Path) -> Fonts:
    c.mapping(("fonts",), FONT_ROLES)
    paths = {}
    for role in FONT_ROLES:
        rel = c.string("fonts", role, required=True)
        path = (root / rel).resolve()
        paths[role] = path
        if not rel:
            continue
        if not path.is_relative_to(root.resolve()):
            c.problem(("fonts", role), f"'{rel}' is outside brand/; copy the font into brand/fonts/")
        elif not path.is_file():
            c.problem(("fonts", role), f"font file '{rel}' is missing")
        else:
            try:
                missing = missing_glyphs(path)
            except Exception as exc:  # noqa: BLE001 - whatever fontTools raises, the file is not a font it can read
                c.problem(("fonts", role), f"font file '{rel}' cannot be read as a font ({str(exc)[:120]}); "
                                           "replace it with the font's .otf or .ttf file")
                continue
            if missing:
                c.problem(("fonts", role), f"font '{rel}' lacks glyphs of the required set: {', '.join(missing[:12])}"
                                           + (f" and {len(missing) - 12} more" if len(missing) > 12 else ""))
    return Fonts(**paths)


def _names(c: Checker, keys: tuple) -> dict[str, str]:
    c.mapping(keys, LANGUAGES)
    names = {lang: c.string(*keys, lang) for lang in LANGUAGES if c.has(*keys, lang)}
    if "et" not in names:
        c.problem(keys + ("et",), "required field is missing")
    return names


def _municipalities(c: Checker) -> dict[str, Municipality]:
    result = {}
    for mid in c.doc.data:
        c.mapping((mid,), ("names", "colors", "web", "email", "phone"))
        colors = tuple(c.color(mid, "colors", i) for i in range(len(c.strings(mid, "colors"))))
        result[mid] = Municipality(id=mid, names=_names(c, (mid, "names")), colors=colors,
                                   web=c.url(mid, "web", required=True), email=c.string(mid, "email", required=True),
                                   phone=c.string(mid, "phone"))
    return result


def _cobrands(c: Checker, root: Path) -> dict[str, CoBrand]:
    result = {}
    for cid in c.doc.data:
        c.mapping((cid,), ("lines", "hashtags", "mark", "sentence"))
        mark = c.string(cid, "mark")
        mark_path = (root / mark).resolve() if mark else None
        if mark_path and not (mark_path.is_relative_to(root.resolve()) and mark_path.is_file()):
            c.problem((cid, "mark"), f"'{mark}' is not a file inside brand/")
            mark_path = None
        result[cid] = CoBrand(id=cid, lines=_names(c, (cid, "lines")), hashtags=c.strings(cid, "hashtags"),
                              mark=mark_path, sentence={k: c.string(cid, "sentence", k) for k in LANGUAGES
                                                         if c.has(cid, "sentence", k)})
    return result


def _hyphenation(c: Checker) -> dict[str, dict[str, str]]:
    c.mapping((), LANGUAGES)
    result = {}
    for lang in c.doc.data:
        words = c.raw((lang,))
        if not isinstance(words, dict):
            c.problem((lang,), "must map words to their hyphenated form, e.g. koosloome: koos-loome")
            continue
        for word, marked in words.items():
            if marked.replace("-", "") != word:
                c.problem((lang, word), f"'{marked}' is not '{word}' with hyphens added")
        result[lang] = dict(words)
    return result


def _themes(c: Checker) -> dict[str, Theme]:
    return {tid: Theme(id=tid, names=_names(c, (tid, "names"))) for tid in c.doc.data}


def _with_channels(brand: Brand, c: Checker) -> Brand:
    channels = {}
    for cid in c.doc.data:
        c.mapping((cid,), ("name", "platforms", "hashtags", "cobrand", "programme_only"))
        platforms = c.strings(cid, "platforms")
        for i, platform in enumerate(platforms):
            c.choice((cid, "platforms", i), platform, PLATFORMS, "platform")
        cobrand = c.string(cid, "cobrand")
        if cobrand:
            c.choice((cid, "cobrand"), cobrand, brand.cobrands, "co-brand")
        channels[cid] = Channel(id=cid, name=c.string(cid, "name", required=True), platforms=platforms,
                                hashtags=c.strings(cid, "hashtags"), cobrand=cobrand,
                                programme_only=c.boolean(cid, "programme_only"))
    return replace(brand, channels=channels)


# Files every renderer reads through the Brand object (colours, fonts, names, co-brands, hyphenation).
CORE_INPUTS = ("tokens.yaml", "fonts/*", "municipalities.yaml", "cobrands.yaml", "channels.yaml",
               "themes.yaml", "organisation.yaml", "hyphenation.yaml")


def fingerprint(root: Path, patterns: tuple[str, ...] = ("**/*",)) -> str:
    """Hash of the brand files matching `patterns` (all of brand/ by default)."""
    digest = hashlib.sha256()
    paths = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
