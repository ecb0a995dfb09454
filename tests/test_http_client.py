"""The one outbound HTTP client: SSRF refusals, redirects, caps, compression, conditional GET, TLS."""
import gzip
import ssl
import tracemalloc
import zlib

import pytest

from saas import http
from saas.http import (BadStatus, BlockedAddress, ConnectionFailed, FetchError, FetchTimeout, InvalidURL,
                       TooLarge, TooManyRedirects, fetch)
from saas.http_targets import is_public_address
from tests.local_server import (LocalServer, allow_local, fake_resolver, local_server,  # noqa: F401
                                make_certificates, stream_body)

MB = 1024 * 1024


def test_loopback_is_refused_without_allow_list(local_server, monkeypatch):
    monkeypatch.delenv("FETCH_ALLOW_HOSTS", raising=False)
    local_server.reply("/feed.xml", b"<rss/>")
    with pytest.raises(BlockedAddress) as refused:
        fetch(local_server.url_for("/feed.xml"))
    assert "private or internal network" in str(refused.value)
    assert local_server.requests == []


def test_loopback_is_reached_when_the_operator_allows_it(local_server, allow_local):
    local_server.reply("/feed.xml", b"<rss/>", headers={"Content-Type": "application/rss+xml"})
    result = fetch(local_server.url_for("/feed.xml"))
    assert (result.status, result.body, result.url) == (200, b"<rss/>", local_server.url_for("/feed.xml"))
    assert result.headers["content-type"] == "application/rss+xml"
    sent = local_server.requests[0].headers
    assert sent["user-agent"] == "Relais/0.1 (+https://relais.example/bot)"
    assert sent["host"] == f"127.0.0.1:{local_server.port}"


def test_allow_list_comes_from_app_config_inside_an_app(app, local_server, monkeypatch):
    monkeypatch.delenv("FETCH_ALLOW_HOSTS", raising=False)
    local_server.reply("/", b"ok")
    monkeypatch.setitem(app.config, "FETCH_ALLOW_HOSTS", "intranet.example, 127.0.0.1")
    with app.app_context():
        assert fetch(local_server.url_for("/")).body == b"ok"
    monkeypatch.setitem(app.config, "FETCH_ALLOW_HOSTS", "")
    with app.app_context(), pytest.raises(BlockedAddress):
        fetch(local_server.url_for("/"))


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://example.com/feed.xml", "gopher://example.com:70/_x", "data:text/plain,hello",
    "javascript:alert(1)", "http://user:secret@example.com/", "http:///no-host", "http://exa mple.com/",
    "http://example.com:99999/", "not a url",
])
def test_only_plain_http_and_https_addresses_are_accepted(url):
    with pytest.raises(InvalidURL):
        fetch(url)


BLOCKED_URLS = [
    "http://127.0.0.1/", "http://127.8.9.10/", "http://[::1]/", "http://10.0.0.1/", "http://172.16.5.4/",
    "http://172.31.255.254/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/", "http://0.0.0.0/", "http://0.1.2.3/", "http://100.64.0.1/", "http://100.127.255.254/",
    "http://224.0.0.1/", "http://239.255.255.250/", "http://240.0.0.1/", "http://255.255.255.255/",
    "http://[ff02::1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:c0a8:101::1]/", "http://[2002:7f00:1::]/", "http://2130706433/", "http://0x7f.1/",
    "http://017700000001/", "http://127.1/", "http://0x7f000001/", "https://[::1]:8443/",
]


@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_internal_addresses_in_every_spelling_are_refused(url, monkeypatch):
    monkeypatch.delenv("FETCH_ALLOW_HOSTS", raising=False)
    with pytest.raises(BlockedAddress):
        fetch(url)


@pytest.mark.parametrize("address", [
    "10.255.255.255", "172.16.0.1", "192.168.0.1", "127.0.0.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.0", "224.0.0.251", "198.18.0.1", "192.0.2.10", "::1", "::", "fe80::1%eth0", "fc00::1",
    "fdff::1", "::ffff:10.0.0.1", "64:ff9b::c0a8:101", "2002:a00:1::", "2001:db8::1", "ff0e::1",
    "::7f00:1", "not-an-ip",
])
def test_address_policy_refuses_non_public_ranges(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    "8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
])
def test_address_policy_accepts_public_addresses_even_when_embedded(address):
    assert is_public_address(address)


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    fake_resolver(monkeypatch, {"press.example.fr": ["10.1.2.3"]})
    with pytest.raises(BlockedAddress):
        fetch("https://press.example.fr/rss")


def test_a_name_with_any_private_address_among_public_ones_is_refused(monkeypatch):
    fake_resolver(monkeypatch, {"press.example.fr": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(BlockedAddress):
        fetch("https://press.example.fr/rss")


def test_the_host_is_resolved_once_and_the_connection_goes_to_that_address(local_server, monkeypatch):
    answers = iter([["127.0.0.1"]])
    lookups = fake_resolver(monkeypatch, {"press.test": lambda: next(answers, ["10.66.66.66"])})
    monkeypatch.setenv("FETCH_ALLOW_HOSTS", "press.test")
    local_server.reply("/rss", b"<rss/>")
    result = fetch(local_server.url_for("/rss", host="press.test"))
    assert result.body == b"<rss/>"
    assert lookups.count("press.test") == 1
    assert set(lookups) <= {"press.test", "127.0.0.1"}  # urllib3 only ever got the IP itself
    assert local_server.requests[0].headers["host"] == f"press.test:{local_server.port}"


def test_redirects_are_followed_and_the_final_url_returned(local_server, allow_local):
    local_server.reply("/old", status=301, headers={"Location": "/moved"})
    local_server.reply("/moved", status=302, headers={"Location": local_server.url_for("/feed.xml")})
    local_server.reply("/feed.xml", b"<rss/>")
    result = fetch(local_server.url_for("/old"))
    assert (result.status, result.url, result.body) == (200, local_server.url_for("/feed.xml"), b"<rss/>")
    assert local_server.paths_seen() == ["/old", "/moved", "/feed.xml"]


@pytest.mark.parametrize("location, error", [
    ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
    ("http://[::1]/admin", BlockedAddress),
    ("http://10.0.0.5/intranet", BlockedAddress),
    ("file:///etc/passwd", InvalidURL),
])
def test_a_redirect_to_a_blocked_address_is_refused_at_that_hop(local_server, allow_local, location, error):
    local_server.reply("/go", status=302, headers={"Location": location})
    with pytest.raises(error):
        fetch(local_server.url_for("/go"))


def test_an_allowed_ip_does_not_allow_other_names_for_it(local_server, allow_local):
    local_server.reply("/go", status=302, headers={"Location": local_server.url_for("/", host="localhost")})
    with pytest.raises(BlockedAddress):
        fetch(local_server.url_for("/go"))
    assert local_server.paths_seen() == ["/go"]


def test_redirects_stop_after_five_hops(local_server, allow_local):
    local_server.reply("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(TooManyRedirects):
        fetch(local_server.url_for("/loop"))
    assert len(local_server.requests) == 6


def peak_memory_of(func):
    """Run func (expecting a FetchError) and return the peak of Python memory it allocated."""
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_50_mb_body_is_cut_off_and_memory_stays_flat(local_server, allow_local):
    local_server.route("/huge", stream_body(50 * MB))
    peak = peak_memory_of(lambda: fetch(local_server.url_for("/huge"), max_bytes=1 * MB))
    assert peak < 4 * MB
    peak = peak_memory_of(lambda: fetch(local_server.url_for("/huge")))  # the default 10 MB cap
    assert peak < 25 * MB


def test_a_declared_oversized_length_is_refused_before_reading(local_server, allow_local):
    local_server.route("/huge", stream_body(50 * MB, declare_length=True))
    with pytest.raises(TooLarge) as refused:
        fetch(local_server.url_for("/huge"), max_bytes=1 * MB)
    assert str(refused.value) == "The page is too large to be fetched."


def test_a_gzip_bomb_is_cut_off_at_the_cap(local_server, allow_local):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + 15)
    block = bytes(MB)
    bomb = b"".join(compressor.compress(block) for _ in range(200)) + compressor.flush()  # 200 MB inflated
    local_server.reply("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < MB
    peak = peak_memory_of(lambda: fetch(local_server.url_for("/bomb"), max_bytes=2 * MB))
    assert peak < 8 * MB


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
])
def test_compressed_bodies_are_decompressed(local_server, allow_local, encoding, compress):
    feed = "<rss><channel><title>Salle de presse été</title></channel></rss>".encode() * 50
    local_server.reply("/feed", compress(feed), headers={"Content-Encoding": encoding})
    assert fetch(local_server.url_for("/feed")).body == feed
    assert local_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_damaged_or_unknown_compression_is_a_readable_error(local_server, allow_local):
    local_server.reply("/cut", gzip.compress(b"x" * 10_000)[:-20], headers={"Content-Encoding": "gzip"})
    local_server.reply("/br", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="damaged compressed answer"):
        fetch(local_server.url_for("/cut"))
    with pytest.raises(FetchError, match="compression format"):
        fetch(local_server.url_for("/br"))


def test_a_server_that_never_answers_times_out(local_server, allow_local):
    def silent(handler):
        local_server.stopping.wait(30)

    local_server.route("/slow", silent)
    with pytest.raises(FetchTimeout) as timed_out:
        fetch(local_server.url_for("/slow"), total_timeout=0.5)
    assert str(timed_out.value) == "The site took too long to answer."


def test_a_server_that_trickles_hits_the_total_deadline(local_server, allow_local):
    def trickle(handler):
        handler.send_response(200)
        handler.end_headers()
        while not local_server.stopping.wait(0.05):  # each byte comes well within any read timeout
            handler.wfile.write(b"x")
            handler.wfile.flush()

    local_server.route("/trickle", trickle)
    with pytest.raises(FetchTimeout):
        fetch(local_server.url_for("/trickle"), total_timeout=0.5)


def test_conditional_get_answers_not_modified(local_server, allow_local):
    etag, modified = '"v42"', "Wed, 01 May 2024 08:00:00 GMT"

    def conditional(handler):
        fresh = handler.headers.get("If-None-Match") == etag or handler.headers.get("If-Modified-Since") == modified
        handler.send_response(304 if fresh else 200)
        handler.send_header("ETag", etag)
        handler.send_header("Last-Modified", modified)
        handler.send_header("Content-Length", "0" if fresh else "6")
        handler.end_headers()
        if not fresh:
            handler.wfile.write(b"<rss/>")

    local_server.route("/feed", conditional)
    first = fetch(local_server.url_for("/feed"))
    assert (first.status, first.not_modified, first.etag, first.last_modified) == (200, False, etag, modified)
    again = fetch(local_server.url_for("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert (again.status, again.not_modified, again.body) == (304, True, b"")
    assert (again.etag, again.last_modified) == (etag, modified)
    sent = local_server.requests[1].headers
    assert (sent["if-none-match"], sent["if-modified-since"]) == (etag, modified)
    assert "if-none-match" not in local_server.requests[0].headers


@pytest.mark.parametrize("status, message", [
    (404, "The page was not found (HTTP 404)."),
    (403, "The site refused access (HTTP 403)."),
    (429, "The site asks Relais to slow down (HTTP 429)."),
    (503, "The site has a temporary problem (HTTP 503)."),
    (418, "The site answered with an error (HTTP 418)."),
])
def test_error_statuses_become_readable_bad_status(local_server, allow_local, status, message):
    local_server.reply("/feed", b"nope", status=status, headers={"Retry-After": "120"})
    with pytest.raises(BadStatus) as failed:
        fetch(local_server.url_for("/feed"))
    assert (failed.value.status, str(failed.value), failed.value.retry_after) == (status, message, 120)


def test_a_closed_port_and_an_unknown_name_are_readable_failures(monkeypatch, allow_local):
    fake_resolver(monkeypatch, {})
    with pytest.raises(ConnectionFailed, match="could not be reached"):
        fetch("http://127.0.0.1:1/")
    with pytest.raises(ConnectionFailed, match="could not be found"):
        fetch("https://no-such-press-room.example/")


def test_every_failure_is_one_family_with_plain_sentences():
    for error in (BlockedAddress(), InvalidURL(), ConnectionFailed(), FetchTimeout(), TooLarge(),
                  TooManyRedirects(), BadStatus(500)):
        assert isinstance(error, FetchError)
        assert str(error)[0].isupper() and str(error).endswith(".")


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server with a certificate for press.test, signed by a test CA."""
    ca_file, cert, key = make_certificates(tmp_path, "press.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = LocalServer(tls_context=context).start()
    server.ca_file = str(ca_file)
    yield server
    server.stop()


def test_https_sends_the_name_in_sni_and_checks_the_certificate_against_it(tls_server, monkeypatch):
    fake_resolver(monkeypatch, {"press.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    monkeypatch.setenv("FETCH_ALLOW_HOSTS", "press.test,other.test")
    monkeypatch.setattr(http, "CA_BUNDLE", tls_server.ca_file)
    tls_server.reply("/rss", b"<rss/>")
    result = fetch(tls_server.url_for("/rss", host="press.test"))
    assert result.body == b"<rss/>"
    assert tls_server.server_names[-1] == "press.test"
    assert tls_server.requests[-1].headers["host"] == f"press.test:{tls_server.port}"
    with pytest.raises(ConnectionFailed, match="certificate"):
        fetch(tls_server.url_for("/rss", host="other.test"))  # same IP, certificate for another name
    monkeypatch.setattr(http, "CA_BUNDLE", None)
    with pytest.raises(ConnectionFailed, match="certificate"):
        fetch(tls_server.url_for("/rss", host="press.test"))  # the test CA is not trusted by default
