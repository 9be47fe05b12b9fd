"""Real servers for the tests: nginx with WebDAV, a fault-injecting proxy in front of it, a WebSub receiver."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {root}/access.log;
  client_body_temp_path {root}/tmp/body;
  proxy_temp_path {root}/tmp/proxy;
  fastcgi_temp_path {root}/tmp/fastcgi;
  uwsgi_temp_path {root}/tmp/uwsgi;
  scgi_temp_path {root}/tmp/scgi;
  types {{ text/html html; application/atom+xml atom; application/rss+xml rss; application/json json;
          application/pdf pdf; image/png png; image/jpeg jpg; application/zip zip; text/plain txt; }}
  server {{
    listen 127.0.0.1:{port};
    root {root}/www;
    client_max_body_size 500m;
    location ^~ /.kit-staging/ {{  # staged uploads: the publisher may write and move them, nobody may read them
      dav_methods PUT DELETE MKCOL COPY MOVE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      auth_basic "kit";
      auth_basic_user_file {root}/htpasswd;
      limit_except PUT DELETE MKCOL MOVE {{ deny all; }}
    }}
    location /readonly/ {{  # an account without write rights there: 403
      dav_methods PUT DELETE MKCOL COPY MOVE;
      limit_except GET HEAD {{ deny all; }}
    }}
    location / {{
      dav_methods PUT DELETE MKCOL COPY MOVE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      limit_except GET HEAD {{
        auth_basic "kit";
        auth_basic_user_file {root}/htpasswd;
      }}
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx on 127.0.0.1 with WebDAV; writes need basic auth (user kit, the given password)."""

    def __init__(self, root: Path, password: str):
        self.root, self.port = root, free_port()
        for sub in ("www", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "htpasswd").write_text(f"kit:{{PLAIN}}{password}\n")
        user = "user root;" if os.geteuid() == 0 else ""
        (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=self.port, user=user))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([binary, "-c", str(root / "nginx.conf"), "-p", str(root)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(self.url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def access_log(self) -> str:
        return (self.root / "access.log").read_text()

    def wait_for_log(self, text: str, seconds: float = 10) -> str:
        """The access log once it holds `text`: nginx writes a line after sending the answer, so a test that
        reads the log right after the answer arrived may come too early."""
        deadline = time.monotonic() + seconds
        while text not in (log := self.access_log()):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in nginx's access log after {seconds} s:\n{log[-2000:]}")
            time.sleep(0.02)
        return log

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for(url: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


class FaultyProxy:
    """Forwards to an upstream and records each request in `log` as (method, path, status the client got).

    Requests are numbered from 1 (only those whose method is in `methods`, all when None). From number
    `fail_after` + 1 on, `times` of them (None: every one from there on, for good) get a fault by `mode`:
    "500"; "429" (with `Retry-After: retry_after`); "drop" (closed without forwarding); "lost" (forwarded, so the
    server acts, then closed: the answer is lost); "slow" (no answer for `delay` seconds, then closed).
    Or `plan(number)` gives the mode (None: no fault) of each counted request.
    """

    def __init__(self, upstream: str):
        self.upstream, self.fail_after, self.mode, self.count = upstream, None, "500", 0
        self.times, self.methods, self.retry_after, self.delay, self.plan = None, None, "1", 2.0, None
        self.log: list[tuple[str, str, int | None]] = []
        self.lock, self.sessions = threading.Lock(), threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real server
            wbufsize = 65536  # one send per answer: unbuffered header lines meet delayed ACKs (40 ms each)
            disable_nagle_algorithm = True

            def _fault(self) -> str | None:
                with proxy.lock:
                    if proxy.methods is not None and self.command not in proxy.methods:
                        return None
                    proxy.count += 1
                    if proxy.plan is not None:
                        return proxy.plan(proxy.count)
                    start = proxy.fail_after
                    faulty = start is not None and proxy.count > start and (
                        proxy.times is None or proxy.count <= start + proxy.times)
                    return proxy.mode if faulty else None

            def _drop(self):
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                mode = self._fault()
                faulty = mode is not None
                entry = [self.command, self.path, None]
                proxy.log.append(entry)
                if faulty and mode == "drop":
                    return self._drop()
                if faulty and mode == "slow":
                    threading.Event().wait(proxy.delay)  # not time.sleep: tests switch that off for the client
                    return self._drop()
                if faulty and mode in ("500", "429"):
                    entry[2] = int(mode)
                    self.send_response(int(mode))
                    if mode == "429":
                        self.send_header("Retry-After", proxy.retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                if "Destination" in headers:
                    headers["Destination"] = headers["Destination"].replace(proxy.url, proxy.upstream)
                session = getattr(proxy.sessions, "session", None) or requests.Session()
                proxy.sessions.session = session
                response = session.request(self.command, proxy.upstream + self.path.lstrip("/"), data=body,
                                           headers=headers, timeout=30, allow_redirects=False)
                if faulty and mode == "lost":
                    return self._drop()
                entry[2] = response.status_code
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_PUT = do_DELETE = do_MKCOL = do_MOVE = do_HEAD = do_POST = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def reset(self, fail_after: int | None = None, mode: str = "500", times: int | None = None,
              methods: set[str] | None = None, plan=None) -> None:
        self.count, self.fail_after, self.mode, self.times, self.methods = 0, fail_after, mode, times, methods
        self.plan = plan
        self.log = []

    def stop(self) -> None:
        self.server.shutdown()


class WebSubReceiver:
    """Records the form bodies POSTed to it, as a WebSub hub would receive them."""

    def __init__(self):
        self.received: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"

    def stop(self) -> None:
        self.server.shutdown()
