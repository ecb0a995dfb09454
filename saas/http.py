"""The one outbound HTTP client: SSRF-safe, DNS-rebinding safe, size and time capped.

Every request goes through `fetch(url)`. The URL must be http(s) without credentials; the
host is resolved ONCE and every resolved address must be public (unless the operator named
the host in FETCH_ALLOW_HOSTS); the connection goes to that IP while the Host header, TLS
SNI and the certificate check carry the name. Redirects are followed here, each hop checked
the same way. Bodies are read in chunks under a byte cap (after decompression too) and a
total deadline. Failures raise a FetchError whose str() is a sentence an agency user reads.
"""
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3
from urllib3 import exceptions as u3

from saas.http_errors import (BadStatus, BlockedAddress, ConnectionFailed, FetchError, FetchTimeout,
                              InvalidURL, TooLarge, TooManyRedirects)
from saas.http_targets import parse_target, resolve_allowed

__all__ = ["fetch", "post", "send_post", "PostAnswer", "FetchResult", "FetchError", "InvalidURL", "BlockedAddress", "ConnectionFailed",
           "FetchTimeout", "TooLarge", "TooManyRedirects", "BadStatus", "USER_AGENT", "MAX_BYTES"]

USER_AGENT = "Relais/0.1 (+https://relais.example/bot)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 30.0
CHUNK_SIZE = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
# None trusts the system's certificate store; tests point it at their own CA file.
CA_BUNDLE = None


@dataclass(frozen=True)
class FetchResult:
    """What a successful fetch (or a 304 "not modified") brings back."""

    status: int
    url: str
    headers: dict
    body: bytes
    etag: str | None
    last_modified: str | None
    elapsed: float

    @property
    def not_modified(self):
        """Tell whether the server said the cached copy is still good (HTTP 304)."""
        return self.status == 304


def fetch(url, *, etag=None, last_modified=None, accept="*/*", max_bytes=MAX_BYTES,
          connect_timeout=CONNECT_TIMEOUT, total_timeout=TOTAL_TIMEOUT, authorization=None):
    """Fetch a URL safely, following redirects; raise a FetchError on any refusal or failure.

    `authorization` (an Authorization header value, e.g. an agency's access token) goes only to the
    first address's origin: a redirect to another scheme, host or port never carries it.
    """
    started = time.monotonic()
    deadline = started + total_timeout
    headers = request_headers(accept, etag, last_modified)
    origin = None
    for _hop in range(MAX_REDIRECTS + 1):
        target = parse_target(url)
        origin = origin or (target.scheme, target.host, target.port)
        addresses = resolve_allowed(target)
        same_origin = origin == (target.scheme, target.host, target.port)
        sent = {**headers, "Authorization": authorization} if authorization and same_origin else headers
        pool, response = _send(target, addresses, sent, deadline, connect_timeout)
        try:
            location = response.headers.get("location")
            if response.status in REDIRECTS and location:
                url = urljoin(target.url, location.strip())
                continue
            if response.status == 304:
                body = b""
            elif response.status >= 300:
                raise BadStatus(response.status, response.headers.get("retry-after"))
            else:
                body = read_body(response, max_bytes, deadline)
            return FetchResult(
                status=response.status, url=target.url,
                headers={name.lower(): value for name, value in response.headers.items()},
                body=body, etag=response.headers.get("etag") or etag,
                last_modified=response.headers.get("last-modified") or last_modified,
                elapsed=time.monotonic() - started,
            )
        finally:
            response.close()
            pool.close()
    raise TooManyRedirects()


def request_headers(accept, etag, last_modified):
    """Build the request headers, with the validators of a conditional GET when known."""
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


@dataclass(frozen=True)
class PostAnswer:
    """What a POST brought back: the status, the first bytes of the body, the Retry-After header."""

    status: int
    excerpt: bytes
    retry_after: str | None


def send_post(url, body, headers, *, timeout=10.0, excerpt=0):
    """POST bytes to an address checked like every fetch (no redirects followed); return its answer, whatever
    the status, with at most `excerpt` bytes of its body. Raise a FetchError for any refusal or failure."""
    target = parse_target(url)
    headers = {"User-Agent": USER_AGENT, **headers}
    deadline = time.monotonic() + timeout
    pool, response = _send(target, resolve_allowed(target), headers, deadline,
                           min(CONNECT_TIMEOUT, timeout), method="POST", body=body)
    try:
        return PostAnswer(response.status, _excerpt(response, excerpt, deadline), response.headers.get("retry-after"))
    finally:
        response.close()
        pool.close()


def _excerpt(response, limit, deadline):
    """The first `limit` bytes of an answer's body (less when it is shorter or too slow)."""
    data = bytearray()
    try:
        while len(data) < limit:
            _limit_wait(response, deadline)
            chunk = response.read1(limit - len(data))
            if not chunk:
                break
            data += chunk
    except Exception:  # the status is what counts; a body cut short is still an excerpt
        pass
    return bytes(data)


def post(url, body, headers, *, timeout=10.0):
    """POST bytes to an address checked like every fetch (no redirects followed); return the status.

    Raise BadStatus for an answer of 300 or more, and a FetchError for any refusal or failure.
    """
    answer = send_post(url, body, headers, timeout=timeout)
    if answer.status >= 300:
        raise BadStatus(answer.status, answer.retry_after)
    return answer.status


def _send(target, addresses, headers, deadline, connect_timeout, method="GET", body=None):
    """Send the request to the first resolved address that accepts a connection."""
    failure = ConnectionFailed()
    for address in addresses:
        remaining = _remaining(deadline)
        pool = _pool(target, address, urllib3.Timeout(connect=min(connect_timeout, remaining),
                                                      read=remaining))
        try:
            response = pool.urlopen(method, target.path, body=body, headers={**headers, "Host": target.host_header},
                                    redirect=False, retries=False, preload_content=False,
                                    decode_content=False, assert_same_host=False)
            return pool, response
        except (u3.NewConnectionError, u3.ConnectTimeoutError) as error:
            pool.close()
            failure = _translate(error)
        except Exception as error:
            pool.close()
            raise _translate(error) from None
    raise failure


def _pool(target, address, timeout):
    """Open a one-connection pool to the resolved IP that still speaks to the host by name."""
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)
    return urllib3.HTTPSConnectionPool(
        address, target.port, timeout=timeout, maxsize=1, retries=False,
        cert_reqs="CERT_REQUIRED", ca_certs=CA_BUNDLE,
        server_hostname=target.host, assert_hostname=target.host,
    )


def _remaining(deadline):
    """Return the seconds left before the deadline, or raise FetchTimeout when none are."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchTimeout()
    return remaining


def _translate(error):
    """Turn a low-level network error into the FetchError a user can read."""
    if isinstance(error, FetchError):
        return error
    if isinstance(error, u3.NewConnectionError):  # urllib3 makes it a ConnectTimeoutError too
        return ConnectionFailed()
    if isinstance(error, (u3.TimeoutError, TimeoutError)):
        return FetchTimeout()
    if isinstance(error, (u3.SSLError, ssl.SSLError)):
        return ConnectionFailed("tls_failed")
    if isinstance(error, u3.LocationParseError):
        return InvalidURL()
    if isinstance(error, (u3.ProtocolError, u3.DecodeError, ConnectionError)):
        return ConnectionFailed("interrupted")
    return ConnectionFailed()


def read_body(response, max_bytes, deadline):
    """Read the body in chunks, decompressing it, under the byte cap and the total deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge()
    decoder = Decompressor(response.headers.get("content-encoding", ""))
    body = bytearray()
    received = 0
    try:
        while True:
            _limit_wait(response, deadline)
            chunk = response.read1(CHUNK_SIZE)
            if not chunk:
                break
            received += len(chunk)
            if received > max_bytes:
                raise TooLarge()
            body += decoder.feed(chunk, max_bytes - len(body))
        decoder.finish()
    except Exception as error:
        raise _translate(error) from None
    return bytes(body)


def _limit_wait(response, deadline):
    """Make the next socket read wait no longer than the time left before the deadline."""
    remaining = _remaining(deadline)
    sock = getattr(response.connection, "sock", None)
    if sock is not None:
        sock.settimeout(remaining)


class Decompressor:
    """Inflate a gzip or deflate body incrementally without ever exceeding a byte budget."""

    def __init__(self, content_encoding):
        encoding = content_encoding.strip().lower()
        self._may_be_raw = encoding == "deflate"
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            # 32 + 15: accept a gzip or a zlib header; raw deflate is retried below.
            self._inflater = zlib.decompressobj(32 + 15)
        else:
            raise FetchError("unknown_encoding")

    def feed(self, chunk, budget):
        """Return the bytes this chunk inflates to; raise TooLarge past the budget."""
        if self._inflater is None:
            return chunk
        try:
            output = self._inflater.decompress(chunk, budget + 1)
        except zlib.error:
            output = self._restart_as_raw_deflate(chunk, budget)
        self._may_be_raw = False
        if len(output) > budget:
            raise TooLarge()
        return output

    def finish(self):
        """Refuse a compressed body that ended before its compressed stream did."""
        if self._inflater is not None and not self._inflater.eof:
            raise FetchError("damaged_compression")

    def _restart_as_raw_deflate(self, chunk, budget):
        """Start over as raw deflate: many servers label headerless deflate as "deflate"."""
        if not self._may_be_raw:
            raise FetchError("damaged_compression")
        self._inflater = zlib.decompressobj(-15)
        try:
            return self._inflater.decompress(chunk, budget + 1)
        except zlib.error:
            raise FetchError("damaged_compression") from None
