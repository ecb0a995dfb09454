"""A local HTTP(S) server and a fake resolver for the fetching tests; nothing touches the network.

Tests register replies (`server.reply(path, body, ...)`) or handlers (`server.route(path, func)`)
and read back what the client sent (`server.requests`); `fake_resolver` answers chosen host
names and records every DNS lookup.
"""
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class SeenRequest:
    """What the client sent: the path and the headers (lowercased names)."""

    path: str
    headers: dict


class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 and a free port, with per-path replies."""

    def __init__(self, tls_context=None):
        self.routes = {}
        self.requests = []
        self.server_names = []  # TLS SNI names the clients asked for
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.scheme = "http"
        if tls_context is not None:
            tls_context.sni_callback = lambda sock, name, context: self.server_names.append(name)
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self):
        """Return the base URL of the server (no trailing slash)."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url_for(self, path, host="127.0.0.1"):
        """Return the URL of a path on this server, optionally under another host name."""
        return f"{self.scheme}://{host}:{self.port}{path}"

    def reply(self, path, body=b"", status=200, headers=None):
        """Answer GET path with a fixed status, headers and body."""

        def answer(handler):
            handler.send_response(status)
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = answer

    def route(self, path, func):
        """Answer GET path with func(handler), which writes the whole response itself."""
        self.routes[path] = func

    def paths_seen(self):
        """Return the paths requested so far, in order."""
        return [request.path for request in self.requests]

    def start(self):
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving and wake any handler still waiting or streaming."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler_for(server):
    """Build the request handler class bound to one LocalServer."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            server.requests.append(SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()}))
            answer = server.routes.get(self.path.split("?")[0])
            if answer is None:
                self.send_error(404)
                return
            try:
                answer(self)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the client hung up on purpose (size or time cap)
            self.close_connection = True

        def log_message(self, *args):
            pass

    return Handler


def stream_body(total, chunk=64 * 1024, declare_length=False):
    """Return a handler streaming `total` bytes without holding them in memory."""
    block = b"x" * chunk

    def answer(handler):
        handler.send_response(200)
        if declare_length:
            handler.send_header("Content-Length", str(total))
        handler.end_headers()
        sent = 0
        while sent < total:
            handler.wfile.write(block)
            sent += len(block)

    return answer


def fake_resolver(monkeypatch, names):
    """Make getaddrinfo answer the given names (name -> list of IPs) and record every lookup."""
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host in names:
            answers = names[host]() if callable(names[host]) else names[host]
            return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                    for ip in answers]
        if any(char.isalpha() for char in host.replace(":", "")) and "." in host:
            raise socket.gaierror("no network in tests")
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture
def local_server():
    """A running local HTTP server; stopped after the test."""
    server = LocalServer().start()
    yield server
    server.stop()


@pytest.fixture
def allow_local(monkeypatch, app):
    """Let the fetch client reach 127.0.0.1, as an operator would with FETCH_ALLOW_HOSTS."""
    monkeypatch.setenv("FETCH_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setitem(app.config, "FETCH_ALLOW_HOSTS", "127.0.0.1")


def make_certificates(directory, host_name):
    """Create a test CA and a server certificate for host_name; return (ca_file, cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make test certificates")

    def run(*args):
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Relais Test CA",
        "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host_name}",
        "-keyout", "server.key", "-out", "server.csr")
    (directory / "san.ext").write_text(f"subjectAltName=DNS:{host_name}\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "server.pem", "-extfile", "san.ext")
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def accept_posts(server, statuses, answer=b""):
    """Let the local server take POSTs: keep each body and headers, answer the statuses in turn (the last one
    repeats) with `answer` as the body."""
    server.bodies = []

    class PostHandler(server.httpd.RequestHandlerClass):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server.requests.append(SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()}))
            server.bodies.append(body)
            self.send_response(statuses.pop(0) if len(statuses) > 1 else statuses[0])
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server.httpd.RequestHandlerClass = PostHandler

