"""Write brand/mark.svg, mark.png, pattern.svg and pattern.png from the geometry in kit/brand_assets.py.

The PNGs are white-on-transparent masks that the social renderer tints with a brand colour.
Run: `.venv/bin/python scripts/make_brand_assets.py`.
"""
from pathlib import Path

from kit.brand_assets import mark_png, mark_svg, pattern_png, pattern_svg

BRAND = Path(__file__).resolve().parent.parent / "brand"

if __name__ == "__main__":
    (BRAND / "mark.svg").write_text(mark_svg(), encoding="utf-8")
    (BRAND / "pattern.svg").write_text(pattern_svg(), encoding="utf-8")
    mark_png().save(BRAND / "mark.png", optimize=True)
    pattern_png().save(BRAND / "pattern.png", optimize=True)
    print("wrote brand/mark.svg, mark.png, pattern.svg, pattern.png")
