"""One Jinja2 environment for kit's own pages (autoescaped) and one per brand template folder."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=1)
def kit_env() -> Environment:
    return Environment(loader=PackageLoader("kit", "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@lru_cache(maxsize=4)
def brand_env(folder: Path) -> Environment:
    """Brand templates (posters, e-mail, press): message text reaches them only escaped."""
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
