"""`kit serve`: outputs/site on 127.0.0.1 with the right media types, ETag/Last-Modified and 304s."""
from __future__ import annotations

import hashlib
import os
from email.utils import parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kit.media import media_type


class SiteHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path):
        if "/feeds/" in str(path).replace(os.sep, "/") and str(path).endswith(".json"):
            return "application/feed+json"
        kind = media_type(str(path))
        return kind + "; charset=utf-8" if kind.startswith("text/") else kind  # every text kit writes is UTF-8

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_file():
            stat = path.stat()
            etag = '"' + hashlib.sha256(f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}".encode()).hexdigest()[:32] + '"'
            if self._not_modified(etag, stat.st_mtime):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return None
            self._etag = etag
        return super().send_head()

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if "If-None-Match" in self.headers:
            return etag in [t.strip() for t in self.headers["If-None-Match"].split(",")]
        if "If-Modified-Since" in self.headers:
            try:
                return int(mtime) <= parsedate_to_datetime(self.headers["If-Modified-Since"]).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    def end_headers(self):
        if getattr(self, "_etag", None):
            self.send_header("ETag", self._etag)
            self._etag = None
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if os.environ.get("KIT_SERVE_LOG"):
            super().log_message(format, *args)


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server ready to serve_forever(); the caller owns its lifetime."""
    handler = partial(SiteHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
