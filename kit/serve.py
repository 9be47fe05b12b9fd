"""`kit serve`: outputs/site on 127.0.0.1 with the right media types, ETag/Last-Modified and 304s."""
from __future__ import annotations

import hashlib
import os
from email.utils import parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MEDIA_TYPES = {".atom": "application/atom+xml", ".rss": "application/rss+xml", ".zip": "application/zip",
               ".pdf": "application/pdf", ".eml": "message/rfc822", ".txt": "text/plain; charset=utf-8",
               ".csv": "text/csv; charset=utf-8",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

    def guess_type(self, path):
        if "/feeds/" in str(path).replace(os.sep, "/") and str(path).endswith(".json"):
            return "application/feed+json"
        return super().guess_type(path)

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
