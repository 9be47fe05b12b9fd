"""WebSub: after a publish, tell each configured hub which feeds changed (hub.mode=publish)."""
from __future__ import annotations

import requests

from kit.errors import PublishError


def ping(hubs: tuple[str, ...], feed_urls: list[str]) -> int:
    sent = 0
    for hub in hubs:
        for feed in feed_urls:
            try:
                response = requests.post(hub, data={"hub.mode": "publish", "hub.url": feed}, timeout=(5, 15))
            except requests.RequestException as exc:
                raise PublishError(f"WebSub hub {hub}: {type(exc).__name__}") from None
            if response.status_code >= 400:
                raise PublishError(f"WebSub hub {hub}: HTTP {response.status_code} for {feed}")
            sent += 1
    return sent
