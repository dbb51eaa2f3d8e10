"""A reverse proxy on loopback that asks for credentials before passing requests on to a real SPARQL server.

It stands where nginx or Apache usually stand in front of Oxigraph or Fuseki, and speaks HTTP basic or digest
authentication (digest as Virtuoso's ``/sparql-auth`` does), so the client's handling of both is tested against
a real exchange. ``/portal`` answers a 200 HTML page, like a login portal in front of a misconfigured URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

REALM = "kg-test"
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


@dataclass(frozen=True)
class Proxy:
    base: str

    @property
    def query(self) -> str:
        return f"{self.base}/query"

    @property
    def portal(self) -> str:
        return f"{self.base}/portal"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _handler(upstream: str, user: str, password: str, scheme: str) -> type[BaseHTTPRequestHandler]:
    nonce = secrets.token_hex(16)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if scheme == "basic":
                expected = base64.b64encode(f"{user}:{password}".encode()).decode()
                return header == f"Basic {expected}"
            if not header.startswith("Digest "):
                return False
            fields = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
                      for m in _PARAM.finditer(header[len("Digest "):])}
            if fields.get("username") != user or fields.get("nonce") != nonce:
                return False
            ha1 = _md5(f"{user}:{REALM}:{password}")
            ha2 = _md5(f"{self.command}:{fields.get('uri', '')}")
            expected = _md5(f"{ha1}:{nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:"
                            f"{fields.get('qop', '')}:{ha2}")
            return fields.get("response") == expected

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path.startswith("/portal"):
                self._send(200, b"<html><body><h1>Sign in</h1></body></html>", "text/html; charset=utf-8")
                return
            if not self._authorized():
                challenge = (f'Basic realm="{REALM}"' if scheme == "basic"
                             else f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5')
                self._send(401, b"Unauthorized", "text/plain", {"WWW-Authenticate": challenge})
                return
            resp = httpx.post(upstream + self.path, content=body, trust_env=False, headers={
                "Content-Type": self.headers.get("Content-Type", ""), "Accept": self.headers.get("Accept", "*/*")})
            self._send(resp.status_code, resp.content, resp.headers.get("content-type", "text/plain"))

    return Handler


@contextmanager
def auth_proxy(upstream: str, user: str, password: str, scheme: str = "basic") -> Iterator[Proxy]:
    """Serve on a free loopback port until the block ends; ``upstream`` is the server's base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, user, password, scheme))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Proxy(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
