"""One Jinja2 environment for kit's own pages (autoescaped) and one per brand template folder."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache

if TYPE_CHECKING:
    from kit.store import Store

TEMPLATE_CACHE = "state/templates"  # compiled templates, under outputs/


@lru_cache(maxsize=1)
def kit_env() -> Environment:
    return Environment(loader=PackageLoader("kit", "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@lru_cache(maxsize=4)
def brand_env(folder: Path) -> Environment:
    """Brand templates (posters, e-mail, press): message text reaches them only escaped."""
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


class StoreBytecodeCache(BytecodeCache):
    """Compiled templates kept in outputs/state/templates, read and written through the store. Compiling the
    review sheet's and the site's templates was a tenth of a second of every build that made the site. Jinja
    checks each entry against the template's source and its own and Python's versions, so a stale one is
    compiled again."""

    def __init__(self, store: Store):
        self.store = store

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.read_bytes(f"{TEMPLATE_CACHE}/{bucket.key}.cache")
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store.write_file(f"{TEMPLATE_CACHE}/{bucket.key}.cache", bucket.bytecode_to_string())


@contextmanager
def templates_cached_in(store: Store) -> Iterator[None]:
    """kit's templates compiled once per store, not once per process, while this lasts."""
    env = kit_env()
    env.bytecode_cache = StoreBytecodeCache(store)
    try:
        yield
    finally:
        env.bytecode_cache = None
