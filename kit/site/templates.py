"""kit's templates compiled once per store, not once per process: Jinja's bytecode cache in outputs/state.

Its own module, beside the site: a renderer's code hash follows every module it imports (kit/codehash.py), and
kit/templating.py is one of them, so the store must not be imported there.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from jinja2.bccache import Bucket, BytecodeCache

from kit.store import Store
from kit.templating import kit_env

TEMPLATE_CACHE = "state/templates"  # compiled templates, under outputs/


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
