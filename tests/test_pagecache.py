"""Kept pages (saas/pagecache.py): served again only while nothing they read has changed, to the same person.

Every write counts, wherever it comes from: a request, a job in a real RQ worker, Core or raw SQL in
another thread. Keys never mix people or agencies; flashes, the CSRF token and an emptied or stopped
Redis are handled. The rest of the suite runs with kept pages on, as production does: every test that
reads a page after changing something checks the same thing again.
"""
import re
import threading

import pytest
from redis import Redis
from sqlalchemy import text, update

from saas import db, pagecache, tenancy
from saas.jobs import task
from tenants.clients.models import Client
from tests.conftest import login
from tests.querycount import count_queries


@pytest.fixture
def owner(client, make_agency):
    agency = make_agency("Agence Lumière")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, agency.owner_email)
    return agency


def add_client(app, agency, name):
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand = Client(name=name)
        db.session.add(brand)
        db.commit()
        return brand.id


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_page_read_twice_is_served_again_without_its_queries(app, client, owner):
    add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/"
    first = page(client, path)
    with count_queries(app, kept_pages=True) as kept:
        again = page(client, path)
    with count_queries(app) as rendered:
        page(client, path)
    assert again == first and "Danone" in again
    assert not any("FROM clients" in s for s in kept.statements), kept.report()
    assert kept.count < rendered.count


def test_a_change_made_through_the_site_shows_at_once(app, client, owner):
    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/"
    assert "Danone" in page(client, path)
    response = client.post(f"/a/{owner.slug}/clients/{brand}", data={"name": "Danone France", "sector": "Food and drink",
                                                                      "website": "danone.fr", "color": "#ff5500"})
    assert response.status_code in (200, 302)
    assert "Danone France" in page(client, path)


@pytest.mark.parametrize("how", ["orm", "core", "raw sql", "another thread"])
def test_a_change_made_elsewhere_shows_at_once(app, client, owner, how):
    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/{brand}"
    assert "Danone" in page(client, path) and "Danone" in page(client, path)

    def change():
        with app.app_context(), tenancy.agency_scope(owner.id):
            if how == "orm":
                db.session.get(Client, brand).name = "Evian"
            elif how == "core":
                db.session.execute(update(Client).where(Client.id == brand).values(name="Evian"))
            else:
                db.session.execute(text("UPDATE clients SET name = 'Evian' WHERE id = :id"), {"id": brand})
            db.commit()

    if how == "another thread":
        worker = threading.Thread(target=change)
        worker.start()
        worker.join()
    else:
        change()
    assert "Evian" in page(client, path)


def test_a_change_made_by_a_job_in_a_real_worker_shows_at_once(app, client, owner):
    from saas.jobs import enqueue
    from tests.conftest import run_worker

    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/{brand}"
    assert "Danone" in page(client, path) and "Danone" in page(client, path)
    with app.app_context():
        enqueue(rename_client, brand, "Evian", agency_id=owner.id)
    run_worker(app, "default")
    assert "Evian" in page(client, path)


@task("default")
def rename_client(client_id, name, agency_id):
    """A job (run by the worker above, in a work horse): rename a client as any job writes."""
    db.session.get(Client, client_id).name = name


def test_another_agencys_writes_leave_the_page_kept_and_never_show(app, client, owner, make_agency):
    other = make_agency("Agence Ombre")
    add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/"
    page(client, path)
    add_client(app, other, "Secret Ombre")
    with count_queries(app, kept_pages=True) as kept:
        shown = page(client, path)
    assert "Secret Ombre" not in shown
    assert not any("FROM clients" in s for s in kept.statements), "another agency's write made the page stale"


def test_each_person_gets_their_own_page_and_their_own_csrf_token(app, client, owner, make_member):
    add_client(app, owner, "Danone")
    email = make_member(owner, "colette@lumiere.test", name="Colette Membre")
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(other, email)
    path = f"/a/{owner.slug}/clients/"
    mine, theirs = page(client, path), page(other, path)
    mine_again, theirs_again = page(client, path), page(other, path)
    assert "colette@lumiere.test" in theirs_again and "colette@lumiere.test" not in mine_again
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    assert token.search(mine_again) and token.search(theirs_again)
    assert pagecache.CSRF_MARK not in mine_again + theirs_again
    assert token.search(mine_again).group(1) != token.search(theirs_again).group(1)
    # The token put back into a kept page is the reader's own: a form sent with it is accepted.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = other.post(f"/a/{owner.slug}/clients/", data={"csrf_token": token.search(theirs_again).group(1),
                                                                  "name": "Evian"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302, response.get_data(as_text=True)
    assert mine and theirs


def test_a_flashed_message_is_shown_once_then_the_page_again(app, client, owner):
    path = f"/a/{owner.slug}/clients/"
    page(client, path)
    page(client, path)
    response = client.post(path, data={"name": "Evian"})
    assert response.status_code == 302
    flashed = page(client, path)
    assert "Client Evian created." in flashed
    assert "Client Evian created." not in page(client, path)


def test_an_emptied_redis_forgets_every_kept_page(app, client, owner, redis_url):
    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/{brand}"
    page(client, path)
    Redis.from_url(redis_url).flushdb()  # a restarted Redis keeps nothing: the versions start again
    with count_queries(app, kept_pages=True) as after:
        page(client, path)
    assert any("FROM clients" in s for s in after.statements)


def test_without_redis_pages_are_rendered_every_time(app, client, owner, monkeypatch):
    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/{brand}"
    page(client, path)
    monkeypatch.setattr(pagecache, "_redis", lambda: None)
    with app.app_context(), tenancy.agency_scope(owner.id):
        db.session.get(Client, brand).name = "Evian"  # its version is not counted: Redis is away
        db.commit()
    assert "Evian" in page(client, path)
    assert "Evian" in page(client, path)


def test_a_kept_page_is_not_served_after_its_time(app, client, owner):
    brand = add_client(app, owner, "Danone")
    path = f"/a/{owner.slug}/clients/{brand}"
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        page(client, path)
        with count_queries(app, kept_pages=True) as after:
            page(client, path)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 30
    assert any("FROM clients" in s for s in after.statements)


def test_writes_are_counted_only_once_committed(app, owner, redis_url):
    brand = add_client(app, owner, "Danone")
    versions = Redis.from_url(redis_url)
    before = versions.hget(pagecache._versions_key(owner.id), "clients")
    with app.app_context(), tenancy.agency_scope(owner.id):
        db.session.get(Client, brand).name = "Evian"
        db.session.flush()
        db.session.rollback()
    assert versions.hget(pagecache._versions_key(owner.id), "clients") == before
    with app.app_context(), tenancy.agency_scope(owner.id):
        db.session.get(Client, brand).name = "Evian"
        db.commit()
    assert int(versions.hget(pagecache._versions_key(owner.id), "clients")) == int(before or 0) + 1


@pytest.mark.parametrize("statement, table", [
    ("INSERT INTO mentions (a) SELECT a FROM _incoming_mentions", "mentions"),
    ('UPDATE "clients" SET name = 1', "clients"),
    ("delete from board_cards where id = 1", "board_cards"),
    ("TRUNCATE clients", "clients"),
    ("SELECT * FROM clients", None),
    ("SET LOCAL app.agency_id = '1'", None),
    ("WITH moved AS (UPDATE x SET y = 1 RETURNING id) SELECT 1", pagecache.EVERY_TABLE),
    ("VACUUM clients", pagecache.EVERY_TABLE),
])
def test_raw_statements_name_what_they_write(statement, table):
    assert pagecache._written_table(statement, None) == table
