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
    """Forwards to an upstream; after `fail_after` requests it answers 500 or drops the connection."""

    def __init__(self, upstream: str):
        self.upstream, self.fail_after, self.mode, self.count = upstream, None, "500", 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                proxy.count += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.fail_after is not None and proxy.count > proxy.fail_after:
                    if proxy.mode == "drop":
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                if "Destination" in headers:
                    headers["Destination"] = headers["Destination"].replace(proxy.url, proxy.upstream)
                response = requests.request(self.command, proxy.upstream + self.path.lstrip("/"), data=body,
                                            headers=headers, timeout=30, allow_redirects=False)
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

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
