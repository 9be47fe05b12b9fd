"""What earlier processes found out about kit's surroundings, kept for the next in the store's memo: the
renderers' import closures and library versions (kit/codehash.py), the brand fonts' glyph coverage
(kit/glyphs.py) and the system libraries WeasyPrint looks up by name (kit/libraries.py). Finding the first two
again took a quarter of a second, half of a rebuild with nothing to do; the last, a quarter of a second of every
build that renders a PDF. Each is used only while what it was found from is unchanged: a memo is a shortcut,
never the truth."""
from __future__ import annotations

from kit import codehash, glyphs, libraries
from kit.store import Store

FOUND_MEMO = "state/found.pickle"


def recall(store: Store) -> dict:
    """Take what the last build found; returns it, for `keep`."""
    found = store.read_memo(FOUND_MEMO)
    found = found if isinstance(found, dict) else {}
    codehash.FOUND.take(found.get("code"))
    glyphs.FOUND.take(found.get("glyphs"))
    libraries.FOUND.take(found.get("libraries"))
    return found


def keep(store: Store, recalled: dict) -> None:
    """Save what this process used, when it differs from what it recalled (kit, a plug-in, a library or a font
    changed): a rebuild with nothing changed writes nothing."""
    found = {"code": codehash.FOUND.kept(), "glyphs": glyphs.FOUND.kept(), "libraries": libraries.FOUND.kept()}
    if found != recalled:
        store.write_memo(FOUND_MEMO, found)
