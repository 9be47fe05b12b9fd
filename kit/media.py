"""Media types of the files kit makes, for the site's links, feeds' enclosures and `kit serve`."""
from __future__ import annotations

import mimetypes
from functools import lru_cache

# What Python's table lacks or names differently from what feed readers and browsers expect.
EXTRA = {".atom": "application/atom+xml", ".rss": "application/rss+xml", ".json": "application/json",
         ".txt": "text/plain", ".eml": "message/rfc822", ".md": "text/markdown", ".ics": "text/calendar",
         ".webp": "image/webp", ".woff2": "font/woff2", ".csv": "text/csv",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def media_type(name: str) -> str:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _by_suffix(suffix) if suffix else (mimetypes.guess_type(name)[0] or "application/octet-stream")


@lru_cache(maxsize=64)
def _by_suffix(suffix: str) -> str:
    """Asked for every file of every page (200 000 times at a thousand messages): once per suffix."""
    return EXTRA.get(suffix) or mimetypes.guess_type("file" + suffix)[0] or "application/octet-stream"
