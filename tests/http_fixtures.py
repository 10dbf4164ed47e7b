"""Local servers for download tests: nothing here ever leaves 127.0.0.1.

``http_server(folder, **behaviour)`` serves the files of a folder and returns its base URL, a
str that also carries ``.requests`` (the path and Range header of every request, in order) and
``.behaviour`` (a dict a test may change between requests):

- ``ranges`` (default True): answer ``Range: bytes=N-`` with 206; False ignores it (200);
- ``cut_after``: send only the first N bytes of a body (after announcing all of it), then
  close the connection, like a connection that drops;
- ``omit_length``: send no Content-Length (the end of the body is the end of the connection);
- ``redirects``: ``{path: location}`` answered with 302.

``https_server`` is the same over TLS, with a self-signed certificate made for the test
session (by the ``openssl`` command) that the process is told to trust through
``SSL_CERT_FILE``. ``stalled_url`` accepts connections and never answers; ``closed_port_url``
refuses them.
"""
import functools
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import threading

import pytest


class ServedURL(str):
    """The base URL of a local server, with its request log and behaviour switches."""

    def __new__(cls, url, behaviour):
        self = super().__new__(cls, url)
        self.behaviour = behaviour
        self.requests = []
        return self


class _Handler(http.server.SimpleHTTPRequestHandler):
    served = None  # the ServedURL, set per server

    def log_message(self, *args):
        pass

    def do_GET(self):
        behaviour = self.served.behaviour
        self.served.requests.append((self.path, self.headers.get("Range")))
        location = (behaviour.get("redirects") or {}).get(self.path)
        if location:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start = self._range_start(behaviour)
        if start is not None and start >= len(data):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if start is not None:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            body = data[start:]
        else:
            self.send_response(200)
            body = data
        if not behaviour.get("omit_length"):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = behaviour.get("cut_after")
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()
        self.close_connection = True

    def _range_start(self, behaviour):
        value = self.headers.get("Range")
        if not behaviour.get("ranges", True) or not value or not value.startswith("bytes="):
            return None
        first = value[len("bytes="):].split("-")[0]
        return int(first) if first.isdigit() else None


def _start(folder, behaviour, tls_context=None, scheme="http"):
    handler_class = type("Handler", (_Handler,), {})
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    handler_class.served = ServedURL(f"{scheme}://127.0.0.1:{server.server_address[1]}",
                                     behaviour)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server, handler_class.served


@pytest.fixture
def http_server():
    """Call with a folder (and behaviour switches); returns the base URL of a server for it."""
    yield from _servers()


def _servers(*start_args):
    """A ``serve(folder, **behaviour)`` function; the servers it started stop afterwards."""
    servers = []

    def serve(folder, **behaviour):
        server, url = _start(folder, behaviour, *start_args)
        servers.append(server)
        return url

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def self_signed_cert(tmp_path_factory):
    """(certificate, key) files for 127.0.0.1, made once per session with ``openssl``."""
    if not shutil.which("openssl"):
        from conftest import skip_or_fail
        skip_or_fail("the openssl command is needed to make a certificate for the https tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def https_server(self_signed_cert, monkeypatch):
    """Like ``http_server``, over TLS with a certificate this process trusts."""
    cert, key = self_signed_cert
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    yield from _servers(context, "https")


@pytest.fixture
def stalled_url():
    """A URL on a local port that accepts connections (the kernel does) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def closed_port_url():
    """A URL on a local port where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
