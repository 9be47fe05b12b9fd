"""Write brand/mark.svg, mark.png, pattern.svg and pattern.png from the geometry in kit/brand_assets.py, and the
WOFF2 copies of the brand's fonts that the site serves (brand/fonts/web/).

The PNGs are white-on-transparent masks that the social renderer tints with a brand colour. A WOFF2 copy is named
by the SHA-256 of the font it was made from (kit/site/pages.py `prepared_web_font`); a build converts a font that
has no current copy itself, about a second a face, so run this after replacing a font.
Run: `.venv/bin/python scripts/make_brand_assets.py`.
"""
import hashlib
from pathlib import Path

from kit.brand_assets import mark_png, mark_svg, pattern_png, pattern_svg
from kit.site.pages import prepared_web_font, woff2

BRAND = Path(__file__).resolve().parent.parent / "brand"


def write_web_fonts(fonts: Path) -> list[Path]:
    """A WOFF2 copy of every font in `fonts`; copies of fonts no longer there, or of their older versions, removed."""
    made = []
    for font in sorted(fonts.glob("*.otf")) + sorted(fonts.glob("*.ttf")):
        target = prepared_web_font(font, hashlib.sha256(font.read_bytes()).hexdigest())
        if not target.is_file():
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(woff2(font))
        made.append(target)
    for old in set((fonts / "web").glob("*.woff2")) - set(made):
        old.unlink()
    return made


if __name__ == "__main__":
    (BRAND / "mark.svg").write_text(mark_svg(), encoding="utf-8")
    (BRAND / "pattern.svg").write_text(pattern_svg(), encoding="utf-8")
    mark_png().save(BRAND / "mark.png", optimize=True)
    pattern_png().save(BRAND / "pattern.png", optimize=True)
    fonts = write_web_fonts(BRAND / "fonts")
    print("wrote brand/mark.svg, mark.png, pattern.svg, pattern.png and", ", ".join(f"fonts/web/{f.name}" for f in fonts))
