"""A digest of a value's content, for the keys that decide whether a piece of the site must be made again."""
from __future__ import annotations

import hashlib
import io
import pickle


def value_digest(value) -> str:
    """The SHA-256 of a value pickled without pickle's memo: its back-references follow which objects happen to
    be shared (a message read anew or taken from the message memo), not what they hold; with it, the build after
    a memo was written made half the pages again."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return hashlib.sha256(buffer.getvalue()).hexdigest()
