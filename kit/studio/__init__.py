"""kit studio: write, translate, preview and approve messages in the browser (`kit studio`, `make studio`)."""
from __future__ import annotations

import os
import sys
import threading
import webbrowser

from kit.config import Settings
from kit.errors import KitError

__all__ = ["serve"]

LOCAL = ("127.0.0.1", "localhost", "::1")


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8100, password: str = "",
          open_browser: bool = True) -> None:
    """Run the studio until Ctrl+C. Only this machine can reach it unless `host` says otherwise, and then a
    password is required: the studio writes the project's files."""
    from werkzeug.serving import make_server

    from kit.studio.app import LOCAL_HOSTS, create_app

    if host not in LOCAL and not password:
        raise KitError(f"--host {host}: the studio would be reachable from other machines; give a password with "
                       "--password or KIT_STUDIO_PASSWORD")
    app = create_app(settings, password=password, allowed_hosts=LOCAL_HOSTS if host in LOCAL else ())
    # One user's tool on this machine: werkzeug's threaded server is enough (and says every request on stderr).
    server = make_server(host, port, app, threaded=True)
    url = f"http://{'127.0.0.1' if host in LOCAL else host}:{server.server_port}/"
    if open_browser and can_open_browser():
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    print(f"kit studio: {url} (Ctrl+C stops)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["kit_previews"].close()
        server.server_close()


def can_open_browser() -> bool:
    """Not in CI, and on Linux only with a display to show a window on."""
    if os.environ.get("CI"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
