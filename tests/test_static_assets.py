"""Static files under content-hashed URLs with a one-year cache; HSTS over HTTPS only."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import Client

from saas.assets import ONE_YEAR, StaticDigests, file_digest
from tests.conftest import login

ASSET_RE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def assets_of(page):
    return [url.replace("&amp;", "&") for url in ASSET_RE.findall(page)]


def max_age(response):
    return response.cache_control.max_age or 0


@pytest.fixture
def workspace_page(client, make_agency):
    """A workspace page: the layout with every stylesheet and script it can carry."""
    agency = make_agency()
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/").get_data(as_text=True)
    assert "/static/" in page
    return page


def test_every_asset_of_the_layout_has_a_hashed_url_cached_for_a_year(app, client, workspace_page):
    urls = assets_of(workspace_page) + assets_of(client.get("/login").get_data(as_text=True))
    assert {"css/app.css", "js/app.js", "vendor/htmx-2.0.11.min.js"} <= {urlsplit(u).path[8:] for u in urls}
    for url in urls:
        path, version = urlsplit(url).path, parse_qs(urlsplit(url).query).get("v", [""])[0]
        assert version == file_digest(f"{app.static_folder}/{path[len('/static/'):]}"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert max_age(response) >= ONE_YEAR and response.cache_control.immutable, response.headers["Cache-Control"]
        assert response.cache_control.public and not response.cache_control.no_cache


@pytest.mark.parametrize("query", ("", "?v=0123456789abcdef", "?v="))
def test_a_url_without_the_current_hash_is_revalidated(client, query):
    response = client.get(f"/static/css/app.css{query}")
    assert response.status_code == 200
    assert max_age(response) < ONE_YEAR and not response.cache_control.immutable and response.cache_control.no_cache


def test_changing_a_file_changes_its_url(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    before = StaticDigests(tmp_path).digest("css/site.css")
    assert before == StaticDigests(tmp_path).digest("css/site.css")  # the same bytes, the same hash
    sheet.write_text("body { color: navy; }")
    assert StaticDigests(tmp_path).digest("css/site.css") != before
    assert StaticDigests(tmp_path).digest("css/missing.css") is None


def test_in_debug_the_hash_follows_the_file_as_it_is_edited(tmp_path):
    script = tmp_path / "app.js"
    script.write_text("var a = 1;")
    digests = StaticDigests(tmp_path, live=True)
    first = digests.digest("app.js")
    script.write_text("var a = 2;")
    assert digests.digest("app.js") not in (None, first)
    assert digests.digest("../etc/passwd") is None


def test_hsts_is_sent_over_https_and_never_over_http(client):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/login").headers
    spoofed = client.get("/login", headers={"X-Forwarded-Proto": "https"})  # TRUST_PROXY is off: not believed
    assert "Strict-Transport-Security" not in spoofed.headers


def test_hsts_behind_a_trusted_proxy_follows_the_forwarded_scheme(app):
    # What create_app() puts in front of the app under TRUST_PROXY (a second app would rebind the database).
    client = Client(ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    assert "Strict-Transport-Security" in client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in client.get("/login", headers={"X-Forwarded-Proto": "http"}).headers
