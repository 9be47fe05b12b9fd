"""The platform rules of kit/data/platforms.yaml as typed objects (the one place the numbers live)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kit.yamlread import load_kits_own


@dataclass(frozen=True)
class Platform:
    name: str
    caption_limit: int
    links: str  # "inline" or "bio"
    max_file_mb: float
    hashtag_limit: int | None = None
    alt_limit: int | None = None
    weighted: bool = False
    url_weight: int | None = None  # every link counts this many characters, whatever its length


@dataclass(frozen=True)
class ImageFormat:
    name: str
    size: tuple[int, int]
    platforms: tuple[str, ...]
    layout: str
    safe: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def safe_box(self) -> tuple[int, int, int, int]:
        """The area text may use: (left, top, right, bottom) in pixels."""
        w, h = self.size
        left, top, right, bottom = self.safe
        return (left, top, w - right, h - bottom)


@dataclass(frozen=True)
class Carousel:
    size: tuple[int, int]
    platform: str
    max_slides: int


@dataclass(frozen=True)
class PlatformRules:
    checked: str
    platforms: dict[str, Platform]
    formats: dict[str, ImageFormat]
    carousel: Carousel


@lru_cache(maxsize=1)
def rules() -> PlatformRules:
    data = load_kits_own(resources.files("kit").joinpath("data/platforms.yaml").read_text(encoding="utf-8"))
    platforms = {name: Platform(name=name, **values) for name, values in data["platforms"].items()}
    formats = {name: ImageFormat(name=name, size=tuple(v["size"]), platforms=tuple(v["platforms"]),
                                 layout=v["layout"], safe=tuple(v.get("safe", (0, 0, 0, 0))))
               for name, v in data["formats"].items()}
    carousel = Carousel(size=tuple(data["carousel"]["size"]), platform=data["carousel"]["platform"],
                        max_slides=data["carousel"]["max_slides"])
    return PlatformRules(checked=str(data["checked"]), platforms=platforms, formats=formats, carousel=carousel)
