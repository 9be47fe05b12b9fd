"""Publishing over WebDAV (PUT, MKCOL, MOVE, DELETE) with requests: timeouts on every request, retries
with backoff on 5xx, 429 (honouring Retry-After, at most RETRY_AFTER_CAP seconds), timeouts and dropped
connections, none on 401/403. Every step is safe to repeat, also when the server acted but its answer was
lost. Credentials come from KIT_PUBLISH_USER / KIT_PUBLISH_PASSWORD or ~/.netrc and never appear in messages."""
from __future__ import annotations

import hashlib
import json
import os
import time
from urllib.parse import quote, urlparse, urlunparse

import requests
from requests.auth import HTTPBasicAuth

from kit.config import Settings
from kit.errors import PublishError
from kit.publish import MANIFEST

TIMEOUT = (5, 60)  # connect, read
ATTEMPTS = 5
RETRY_STATUS = {429, 500, 502, 503, 504}
RETRY_AFTER_CAP = 30.0  # seconds: a server asking for longer gets this, then the next attempt


def redact(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlparse(url)
    return urlunparse(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else ""))) if parts.hostname else url


class WebDavTarget:
    def __init__(self, base: str, backoff: float = 0.5):
        parts = urlparse(base)
        self.base = redact(base).rstrip("/") + "/"
        self.session = requests.Session()
        user = os.environ.get("KIT_PUBLISH_USER") or parts.username
        password = os.environ.get("KIT_PUBLISH_PASSWORD") or parts.password
        if not (user and password):
            user, password = requests.utils.get_netrc_auth(self.base) or (None, None)  # ~/.netrc (or $NETRC)
        if user and password:
            # UTF-8, as RFC 7617 asks (requests would send Latin-1 and break passwords with õ, ä, ö, ü)
            self.session.auth = HTTPBasicAuth(user.encode(), password.encode())
        self.backoff = backoff
        self._folders: set[str] = set()

    def _url(self, rel: str) -> str:
        return self.base + quote(rel)

    def request(self, method: str, rel: str, **kwargs) -> requests.Response:
        delay = self.backoff
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self.session.request(method, self._url(rel), timeout=TIMEOUT, allow_redirects=False, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == ATTEMPTS:
                    raise PublishError(f"{method} {self.base}{rel}: no answer ({type(exc).__name__}) after {ATTEMPTS} "
                                       "attempts; is the server up? Run kit publish again later") from None
                time.sleep(delay)
                delay *= 2
                continue
            if response.status_code == 401:
                raise PublishError(f"{method} {self.base}{rel}: 401: check KIT_PUBLISH_USER / "
                                   "KIT_PUBLISH_PASSWORD or ~/.netrc")
            if response.status_code == 403:
                raise PublishError(f"{method} {self.base}{rel}: 403: the server refuses this account writing "
                                   "there; check the target address and the account's rights on the server")
            if response.status_code in RETRY_STATUS and attempt < ATTEMPTS:
                time.sleep(_retry_after(response) or delay)
                delay *= 2
                continue
            return response
        return response

    def _ok(self, response: requests.Response, method: str, rel: str, allowed=()) -> None:
        if response.status_code >= 400 and response.status_code not in allowed:
            raise PublishError(f"{method} {self.base}{rel}: HTTP {response.status_code}")

    def _folder(self, rel: str) -> None:
        """MKCOL every parent folder once per run, for servers that do not create them on PUT or MOVE."""
        parts = rel.rstrip("/").split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth]) + "/"
            if folder not in self._folders:
                self._ok(self.request("MKCOL", folder), "MKCOL", folder, allowed=(405,))  # 405: exists
                self._folders.add(folder)

    def _with_folders(self, method: str, rel: str, folder_for: str, **kwargs) -> requests.Response:
        response = self.request(method, rel, **kwargs)
        if response.status_code == 409:  # RFC 4918: a parent folder is missing
            self._folder(folder_for)
            response = self.request(method, rel, **kwargs)
        return response

    def read_manifest(self) -> dict[str, str]:
        response = self.request("GET", MANIFEST)
        if response.status_code == 404:
            return {}
        self._ok(response, "GET", MANIFEST)
        try:
            return json.loads(response.content)
        except ValueError:
            return {}

    def put(self, rel: str, data: bytes) -> None:
        self._ok(self._with_folders("PUT", rel, rel, data=data), "PUT", rel)

    def move(self, source: str, rel: str, sha256: str) -> None:
        response = self._with_folders("MOVE", source, rel, headers={"Destination": self._url(rel), "Overwrite": "T"})
        if response.status_code == 404 and self._holds(rel, sha256):
            return  # an earlier attempt moved it and its answer was lost on the way back
        self._ok(response, "MOVE", source)

    def _holds(self, rel: str, sha256: str) -> bool:
        response = self.request("GET", rel)
        return response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == sha256

    def delete(self, rel: str) -> None:
        self._ok(self.request("DELETE", rel), "DELETE", rel, allowed=(404,))


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return min(float(value), RETRY_AFTER_CAP) if value.isdigit() else 0.0


def open_webdav(url: str, settings: Settings) -> WebDavTarget:
    return WebDavTarget(url)
