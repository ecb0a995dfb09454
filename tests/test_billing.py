"""Billing: the trial, the billing page, Checkout and portal sessions, limits, read-only mode."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.auth.models import Invitation
from saas.billing.limits import check_limit
from saas.billing.models import Subscription
from saas.db import utcnow
from tenants.clients.models import Client
from tests.conftest import login
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
ENGLISH = {"Accept-Language": "en"}


def set_subscription(app, agency, **fields):
    """Change an agency's subscription row as the webhook job would."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        subscription = db.session.scalar(select(Subscription))
        for key, value in fields.items():
            setattr(subscription, key, value)
        db.commit()


def read_subscription(app, agency):
    """The agency's subscription row, detached."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalar(select(Subscription))


def count(app, agency, model, *where):
    """How many rows of `model` the agency has."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def add_client(client, agency, name, htmx=False):
    """Post the new-client form."""
    headers = {**ENGLISH, **({"HX-Request": "true"} if htmx else {})}
    return client.post(f"/a/{agency.slug}/clients/", data={"name": name, "color": "#4f46e5"}, headers=headers)


def test_new_agency_starts_a_14_day_trial_of_the_agency_plan(app, make_agency):
    agency = make_agency()
    subscription = read_subscription(app, agency)
    assert (subscription.plan, subscription.status, subscription.stripe_subscription_id) == ("agency", "trialing", None)
    assert timedelta(days=13, hours=23) < subscription.trial_ends_at - utcnow() <= timedelta(days=14)


def test_billing_page_shows_plan_usage_and_trial_days(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    for name in ("Maison Rivière", "Brasserie Nord"):
        assert add_client(client, agency, name).status_code == 302
    page = client.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert "Agency" in page and "14 days left in your free trial" in page
    usage = re.search(r'data-testid="usage-clients".*?</li>', page, re.S).group(0)
    assert "<b>2</b> / 15" in usage
    assert "<b>1</b> / 10" in re.search(r'data-testid="usage-seats".*?</li>', page, re.S).group(0)
    assert "None yet" in page


def test_billing_page_is_for_owners_and_admins_only(app, billing_on, make_agency, make_member, logged_in):
    agency = make_agency()
    make_member(agency, "admin@agency.test", role="admin")
    make_member(agency, "member@agency.test", role="member")
    assert logged_in("member@agency.test").get(f"/a/{agency.slug}/billing/").status_code == 403
    assert logged_in("admin@agency.test").get(f"/a/{agency.slug}/billing/").status_code == 200


def test_billing_link_in_the_nav_is_for_managers(app, billing_on, make_agency, make_member, logged_in):
    agency = make_agency()
    make_member(agency, "member@agency.test", role="member")
    assert f"/a/{agency.slug}/billing/" in logged_in(agency.owner_email).get(f"/a/{agency.slug}/").get_data(as_text=True)
    assert f"/a/{agency.slug}/billing/" not in logged_in("member@agency.test").get(f"/a/{agency.slug}/").get_data(as_text=True)


def test_without_stripe_keys_billing_is_off_and_no_limit_applies(app, make_agency, logged_in):
    agency = make_agency()
    set_subscription(app, agency, plan="solo", trial_ends_at=utcnow() - timedelta(days=1))
    client = logged_in(agency.owner_email)
    page = client.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="billing-off"' in page and "Billing is off" in page
    for n in range(5):  # past Solo's 3 clients, and after the trial's end
        assert add_client(client, agency, f"Brand {n}").status_code == 302
    assert client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "solo"}).status_code == 302
    assert client.post("/billing/webhook", data="{}", csrf=False).status_code == 404


def test_checkout_creates_the_agency_customer_first_and_passes_it(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    response = logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout", data={"plan": "solo"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{billing_on.url}/pay/cs_test_")
    (created,) = billing_on.calls("POST", "/v1/customers")
    assert created["params"]["metadata[agency_id]"] == str(agency.id)
    assert created["params"]["email"] == agency.owner_email and created["params"]["name"] == agency.name
    assert created["headers"]["Idempotency-Key"].startswith(f"relais-{agency.id}-")
    (customer,) = billing_on.customers
    assert read_subscription(app, agency).stripe_customer_id == customer
    (call,) = billing_on.calls("POST", "/v1/checkout/sessions")
    params = call["params"]
    assert call["headers"]["Authorization"] == "Bearer sk_test_relais"
    assert call["headers"]["Idempotency-Key"].startswith(f"relais-{agency.id}-")
    assert "-checkout-solo-month-" in call["headers"]["Idempotency-Key"]
    assert params["mode"] == "subscription"
    assert params["line_items[0][price]"] == "price_solo" and params["line_items[0][quantity]"] == "1"
    assert params["client_reference_id"] == str(agency.id)
    assert params["subscription_data[metadata][agency_id]"] == str(agency.id)
    assert params["success_url"] == f"http://localhost/a/{agency.slug}/billing/?checkout=success"
    assert params["cancel_url"] == f"http://localhost/a/{agency.slug}/billing/?checkout=cancel"
    assert params["customer"] == customer and "customer_email" not in params
    trial_end = read_subscription(app, agency).trial_ends_at
    assert params["subscription_data[trial_end]"] == str(int(trial_end.timestamp()))


def test_checkout_started_twice_at_once_makes_one_customer_and_one_session(app, billing_on, make_agency):
    """Two tabs (or a double click) of one agency start Checkout together: one Stripe customer, one session."""
    import threading

    agency = make_agency()
    signed = app.test_client()
    login(signed, agency.owner_email)
    cookie = signed.get_cookie("session").value
    start, answers = threading.Barrier(4), []

    def start_checkout():
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        start.wait()
        answers.append(browser.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "agency"}))

    threads = [threading.Thread(target=start_checkout) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [303] * 4
    assert len({answer.headers["Location"] for answer in answers}) == 1  # the same Checkout session
    assert len(billing_on.calls("POST", "/v1/customers")) == 1  # the others waited on the row and found it
    assert len(billing_on.customers) == 1
    (customer,) = billing_on.customers
    assert billing_on.customers[customer]["metadata"] == {"agency_id": str(agency.id)}
    assert {call["params"]["customer"] for call in billing_on.calls("POST", "/v1/checkout/sessions")} == {customer}
    assert len(billing_on.sessions) == 1
    assert read_subscription(app, agency).stripe_customer_id == customer


def test_checkout_of_a_yearly_plan_uses_its_yearly_price(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    assert client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network", "interval": "year"}).status_code == 303
    params = billing_on.calls("POST", "/v1/checkout/sessions")[0]["params"]
    assert params["line_items[0][price]"] == "price_network_yearly"
    assert params["metadata[interval]"] == "year"
    assert client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network", "interval": "week"}).status_code == 400


def test_checkout_reuses_the_agency_stripe_customer(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    set_subscription(app, agency, stripe_customer_id=customer, stripe_subscription_id="sub_old", status="canceled")
    response = logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network"})
    assert response.status_code == 303
    params = billing_on.calls("POST", "/v1/checkout/sessions")[0]["params"]
    assert params["customer"] == customer and "customer_email" not in params
    assert params["line_items[0][price]"] == "price_network"
    assert "subscription_data[trial_end]" not in params


def test_checkout_of_the_plan_already_paid_for_opens_nothing(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    set_subscription(app, agency, stripe_customer_id="cus_x", stripe_subscription_id="sub_x", status="active")
    response = logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout", data={"plan": "agency"})
    assert response.status_code == 302 and not billing_on.calls("POST", "/v1/checkout/sessions")


def test_checkout_of_an_unknown_plan_is_400(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    assert logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout", data={"plan": "gold"}).status_code == 400


def test_portal_session_is_for_the_agency_customer(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    customer = billing_on.add_customer(agency.owner_email)
    set_subscription(app, agency, stripe_customer_id=customer, stripe_subscription_id="sub_1", status="active")
    client = logged_in(agency.owner_email)
    assert 'data-testid="manage-billing"' in client.get(f"/a/{agency.slug}/billing/").get_data(as_text=True)
    response = client.post(f"/a/{agency.slug}/billing/portal")
    assert response.status_code == 303 and response.headers["Location"].startswith(f"{billing_on.url}/portal/bps_test_")
    params = billing_on.calls("POST", "/v1/billing_portal/sessions")[0]["params"]
    assert params["customer"] == customer
    assert params["return_url"] == f"http://localhost/a/{agency.slug}/billing/"


def test_portal_without_a_customer_goes_back_to_the_billing_page(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    response = logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/portal")
    assert response.status_code == 302 and not billing_on.calls("POST", "/v1/billing_portal/sessions")


def test_stripe_unreachable_shows_a_clear_message(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    billing_on.fail_status = 500
    client = logged_in(agency.owner_email)
    response = client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "solo"}, headers=ENGLISH)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=ENGLISH).get_data(as_text=True)
    assert "Stripe could not be reached" in page


def test_client_limit_refuses_the_next_client(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    set_subscription(app, agency, plan="solo")
    client = logged_in(agency.owner_email)
    for n in range(3):
        assert add_client(client, agency, f"Brand {n}").status_code == 302
    response = add_client(client, agency, "One too many")
    assert response.status_code == 402
    page = response.get_data(as_text=True)
    assert "Your Solo plan includes 3 clients" in page and f"/a/{agency.slug}/billing/" in page
    htmx = add_client(client, agency, "Still too many", htmx=True)
    assert htmx.status_code == 402 and "data-error-message" in htmx.get_data(as_text=True)
    assert count(app, agency, Client) == 3
    assert "All 3 clients of your Solo plan are in use" in client.get(f"/a/{agency.slug}/clients/", headers=ENGLISH).get_data(as_text=True)


def test_seat_limit_counts_members_and_pending_invitations_but_not_guests(app, billing_on, make_agency, make_member, logged_in):
    agency = make_agency()
    set_subscription(app, agency, plan="solo")  # 2 seats
    make_member(agency, "guest1@client.test", role="guest")
    make_member(agency, "guest2@client.test", role="guest")
    client = logged_in(agency.owner_email)
    invite = {"role": "member", "pole": "cm"}
    assert client.post(f"/a/{agency.slug}/members/invite", data={**invite, "email": "a@agency.test"}).status_code == 302
    response = client.post(f"/a/{agency.slug}/members/invite", data={**invite, "email": "b@agency.test"}, headers=ENGLISH)
    assert response.status_code == 402
    assert "2 team seats" in response.get_data(as_text=True)
    assert count(app, agency, Invitation) == 1


def test_downgrade_below_usage_keeps_everything_but_blocks_new_items(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    for n in range(5):
        assert add_client(client, agency, f"Brand {n}").status_code == 302
    set_subscription(app, agency, plan="solo", stripe_customer_id="cus_d", stripe_subscription_id="sub_d", status="active")
    page = client.get(f"/a/{agency.slug}/clients/").get_data(as_text=True)
    assert all(f"Brand {n}" in page for n in range(5))
    assert add_client(client, agency, "Brand 6").status_code == 402
    assert count(app, agency, Client) == 5


def test_keyword_limit_refuses_the_next_active_keyword_and_keeps_the_query(app, billing_on, make_agency, logged_in):
    from tenants.clients.models import Client
    from tenants.monitoring.models import Keyword

    agency = make_agency()
    set_subscription(app, agency, plan="solo")
    client = logged_in(agency.owner_email)
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand = Client(name="Danone")
        db.session.add(brand)
        db.session.flush()
        for n in range(25):
            db.session.add(Keyword(client_id=brand.id, query=f"Danone {n}", backfill_state="done"))
        db.commit()
        brand_id = brand.id
    response = client.post(f"/a/{agency.slug}/clients/{brand_id}/keywords", data={"query": "Blédina"},
                           headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 402 and "25 active keywords" in body and 'value="Blédina"' in body
    assert count(app, agency, Keyword) == 25
    with app.test_request_context(), tenancy.agency_scope(agency.id), pytest.raises(ValueError):
        check_limit("mentions")


def workspace_mutations(app):
    """Every (method, rule) of the workspace that changes state, billing's own and the data rights excepted
    (export, deletion, restore stay open: tests/test_gdpr.py)."""
    for rule in app.url_map.iter_rules():
        if "agency_slug" in rule.arguments and not rule.endpoint.startswith(("billing.", "agency_data.")):
            for method in sorted(rule.methods & MUTATING):
                yield method, rule


def fill(rule, slug):
    """A URL for a rule: the agency's slug and 1 for every other parameter."""
    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", lambda m: slug if m.group(2) == "agency_slug" else "1", rule.rule)


def test_read_only_workspace_refuses_every_state_change_but_reads_work(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    assert add_client(client, agency, "Kept Brand").status_code == 302
    set_subscription(app, agency, trial_ends_at=utcnow() - timedelta(minutes=1))
    swept = 0
    for method, rule in workspace_mutations(app):
        response = client.open(fill(rule, agency.slug), method=method, data={"name": "x"}, headers=ENGLISH)
        assert response.status_code == 402, f"{method} {rule.rule} answered {response.status_code}"
        assert "read-only" in response.get_data(as_text=True)
        swept += 1
    assert swept >= 8
    for path in ("", "clients/", "members/", "billing/"):
        assert client.get(f"/a/{agency.slug}/{path}").status_code == 200, path
    home = client.get(f"/a/{agency.slug}/clients/", headers=ENGLISH).get_data(as_text=True)
    assert "Kept Brand" in home and 'data-testid="billing-banner"' in home and "free trial has ended" in home
    assert client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "solo"}).status_code == 303


def test_read_only_refusal_for_htmx_is_a_fragment_with_its_message(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    set_subscription(app, agency, stripe_customer_id="cus_c", stripe_subscription_id="sub_c", status="canceled",
                     trial_ends_at=utcnow() - timedelta(days=30))
    response = add_client(logged_in(agency.owner_email), agency, "Brand", htmx=True)
    assert response.status_code == 402
    body = response.get_data(as_text=True)
    assert "<html" not in body and "data-error-message" in body and "subscription has been cancelled" in body


def test_past_due_keeps_working_for_the_grace_period_then_turns_read_only(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    live = {"stripe_customer_id": "cus_p", "stripe_subscription_id": "sub_p", "status": "past_due",
            "trial_ends_at": utcnow() - timedelta(days=30)}
    set_subscription(app, agency, past_due_since=utcnow() - timedelta(days=6), **live)
    assert add_client(client, agency, "During grace").status_code == 302
    assert "The last payment failed" in client.get(f"/a/{agency.slug}/clients/", headers=ENGLISH).get_data(as_text=True)
    set_subscription(app, agency, past_due_since=utcnow() - timedelta(days=8), **live)
    assert add_client(client, agency, "After grace").status_code == 402
    assert count(app, agency, Client) == 1


def test_member_of_a_read_only_workspace_is_told_who_can_renew(app, billing_on, make_agency, make_member, logged_in):
    agency = make_agency()
    make_member(agency, "member@agency.test")
    set_subscription(app, agency, trial_ends_at=utcnow() - timedelta(days=1))
    page = add_client(logged_in("member@agency.test"), agency, "Brand").get_data(as_text=True)
    assert "An owner or admin of the agency can change the plan" in page and "/billing/" not in page


PARALLEL = 8
RACES = {  # kind: (table the creation inserts into, how many exist already on Solo, the form posted)
    "clients": ("clients", 1, lambda agency, ids, n: (f"/a/{agency.slug}/clients/", {"name": f"Rush {n}", "color": "#4f46e5"})),
    "keywords": ("keywords", 23, lambda agency, ids, n: (f"/a/{agency.slug}/clients/{ids['client']}/keywords",
                                                         {"query": f"Rush {n}"})),
    "seats": ("invitations", 1, lambda agency, ids, n: (f"/a/{agency.slug}/members/invite",
                                                        {"email": f"rush{n}@agency.test", "role": "member", "pole": "cm"})),
}


def _prepare_race(app, agency, kind):
    """Fill the agency's Solo plan up to one or two items below its `kind` limit."""
    from tenants.monitoring import service as monitoring
    from tenants.monitoring.models import Keyword

    with app.app_context(), tenancy.agency_scope(agency.id):
        brand = Client(name="Danone")
        db.session.add(brand)
        db.session.flush()
        monitoring.settings_of(brand.id)
        if kind == "keywords":
            db.session.add_all([Keyword(client_id=brand.id, query=f"Danone {n}", backfill_state="done") for n in range(23)])
        db.commit()
        return {"client": brand.id}


def _backends_waiting_on_locks(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchone()[0]


@pytest.mark.parametrize("kind", sorted(RACES))
def test_parallel_creations_never_overrun_the_plan(app, billing_on, make_agency, database_url, kind):
    """Eight simultaneous creations on a full-but-one Solo plan: exactly the limit exists afterwards.

    The test holds a lock on the table the creations insert into, so every request has done
    its limit check before any row exists: without one lock around count and insert, all
    eight would pass. It lets go once the eight requests are all waiting in PostgreSQL.
    """
    import threading

    import psycopg

    from saas.billing.plans import get_plan

    agency = make_agency()
    set_subscription(app, agency, plan="solo")
    ids = _prepare_race(app, agency, kind)
    table, existing, form = RACES[kind]
    signed = app.test_client()
    login(signed, agency.owner_email)
    cookie = signed.get_cookie("session")
    clients = []
    for _ in range(PARALLEL):
        browser = app.test_client()
        browser.set_cookie("session", cookie.value)
        clients.append(browser)
    statuses, start = [], threading.Barrier(PARALLEL)

    def create(browser, n):
        url, data = form(agency, ids, n)
        start.wait()
        statuses.append(browser.post(url, data=data).status_code)

    with psycopg.connect(database_url) as holder:
        holder.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # reads go on, inserts wait
        threads = [threading.Thread(target=create, args=(browser, n)) for n, browser in enumerate(clients)]
        for thread in threads:
            thread.start()
        deadline = utcnow() + timedelta(seconds=60)
        while _backends_waiting_on_locks(database_url) < PARALLEL and utcnow() < deadline:
            threading.Event().wait(0.05)
        holder.rollback()
    for thread in threads:
        thread.join()
    limit = get_plan("solo").limit(kind)
    created = limit - existing
    assert sorted(statuses) == [302] * created + [402] * (PARALLEL - created)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(f"SELECT count(*) FROM {table} WHERE agency_id = %s", (agency.id,)).fetchone()[0]
    assert rows == (limit if kind != "seats" else created)  # seats: the owner is a membership, not an invitation


@pytest.fixture
def sqlite_app(app, tmp_path, redis_url):
    """The app on a fresh SQLite database, billing on (no Stripe call is made); the test app's database after."""
    from saas import create_app
    from saas.cli import upgrade_database

    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade_database(url)
    config = type("SQLiteConfig", (object,), {key: value for key, value in app.config.items()})
    config.DATABASE_URL, config.STRIPE_SECRET_KEY, config.WTF_CSRF_ENABLED = url, "sk_test_relais", False
    sqlite = create_app(config)
    yield sqlite, tmp_path / "relais.db"
    db.session.remove()
    sqlite.extensions["relais_engine"].dispose()
    db.SessionFactory.configure(bind=app.extensions["relais_engine"])


def test_parallel_creations_never_overrun_the_plan_on_sqlite(sqlite_app):
    """The same race on SQLite: a writer holds the database until all eight requests are about to write."""
    import sqlite3
    import threading

    from sqlalchemy import event

    from saas.auth import service as accounts
    from tests.conftest import PASSWORD

    app, path = sqlite_app
    with app.app_context():
        owner = accounts.register_user("owner@solo.test", "Owner", PASSWORD)
        agency = accounts.create_agency("Solo Studio", "solo-studio", owner)
        db.commit()
        with tenancy.agency_scope(agency.id):
            db.session.scalar(select(Subscription)).plan = "solo"
            db.commit()
    signed = app.test_client()
    login(signed, "owner@solo.test")
    cookie = signed.get_cookie("session").value
    writers, statuses, start = set(), [], threading.Barrier(PARALLEL)

    @event.listens_for(app.extensions["relais_engine"], "before_cursor_execute")
    def _about_to_write(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writers.add(threading.get_ident())

    def create(n):
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        start.wait()
        statuses.append(browser.post("/a/solo-studio/clients/", data={"name": f"Rush {n}", "color": "#4f46e5"}).status_code)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the one write lock: reads go on, writes wait (busy timeout)
    threads = [threading.Thread(target=create, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    deadline = utcnow() + timedelta(seconds=60)
    while len(writers) < PARALLEL and utcnow() < deadline:
        threading.Event().wait(0.05)
    holder.execute("ROLLBACK")
    holder.close()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] * 3 + [402] * (PARALLEL - 3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 3


def paying_agency(app, fake, make_agency, price="price_solo", plan="solo", **fields):
    """An agency paying through a live Stripe subscription the fake knows; (agency, customer, subscription)."""
    agency = make_agency()
    customer = fake.add_customer(agency.owner_email, metadata={"agency_id": str(agency.id)})
    sub = fake.add_subscription(customer, price, metadata={"agency_id": str(agency.id)}, **fields)
    set_subscription(app, agency, plan=plan, status="active", stripe_customer_id=customer,
                     stripe_subscription_id=sub["id"], trial_ends_at=None,
                     billing_interval="year" if price.endswith("_yearly") else "month")
    return agency, customer, sub


def test_a_paying_agency_changes_plan_by_updating_its_subscription_and_is_charged_once(
        app, billing_on, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    client = logged_in(agency.owner_email)
    # The plan buttons of a paying agency never open Checkout: they show the preview of the change.
    page = client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network"}, headers=ENGLISH)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    (preview,) = billing_on.calls("POST", "/v1/invoices/create_preview")
    assert preview["params"]["subscription"] == sub["id"]
    assert preview["params"]["subscription_details[items][0][price]"] == "price_network"
    assert preview["params"]["subscription_details[proration_behavior]"] == "always_invoice"
    proration_date = preview["params"]["subscription_details[proration_date]"]
    total = re.search(r'data-testid="change-total">([^<]+)<', body).group(1)
    assert "Credit for the unused time on Solo" in body and "Network for the rest of the period" in body
    assert 'data-testid="change-tax">€' in body
    form = {"plan": "network", "interval": "month", "proration_date": proration_date}
    for _ in range(2):  # a second submission finds the plan already changed (and the idempotency key covers a race)
        done = client.post(f"/a/{agency.slug}/billing/change", data=form)
        assert done.status_code == 302 and done.headers["Location"].endswith("/billing/")
    assert not billing_on.calls("POST", "/v1/checkout/sessions")
    assert not billing_on.calls("DELETE", "/v1/subscriptions/")
    (update,) = billing_on.calls("POST", f"/v1/subscriptions/{sub['id']}")
    assert f"-change-{sub['id']}-network-month-{proration_date}" in update["headers"]["Idempotency-Key"]
    params = update["params"]
    assert params["items[0][id]"] == sub["items"]["data"][0]["id"] and params["items[0][price]"] == "price_network"
    assert params["proration_behavior"] == "always_invoice" and params["proration_date"] == proration_date
    assert params["payment_behavior"] == "pending_if_incomplete"
    (invoice,) = billing_on.invoices.values()  # charged once, the amount shown
    assert total == f"€{invoice['total'] / 100:,.2f}"
    assert len(billing_on.subscriptions) == 1
    subscription = read_subscription(app, agency)
    assert (subscription.plan, subscription.stripe_subscription_id, subscription.billing_interval) == (
        "network", sub["id"], "month")
    final = client.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert re.search(r'class="plan-name">Network<', final)


def test_changing_to_yearly_billing_previews_then_updates_the_interval(app, billing_on, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency, price="price_agency", plan="agency")
    client = logged_in(agency.owner_email)
    page = client.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert 'data-testid="change-agency-year"' in page and 'data-testid="change-agency-month"' not in page
    assert "Switch to yearly billing" in page and "€238 saved" in page
    client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "agency", "interval": "year"})
    proration_date = billing_on.calls("POST", "/v1/invoices/create_preview")[0]["params"][
        "subscription_details[proration_date]"]
    form = {"plan": "agency", "interval": "year", "proration_date": proration_date}
    assert client.post(f"/a/{agency.slug}/billing/change", data=form).status_code == 302
    assert billing_on.subscriptions[sub["id"]]["items"]["data"][0]["price"]["id"] == "price_agency_yearly"
    subscription = read_subscription(app, agency)
    assert (subscription.plan, subscription.billing_interval) == ("agency", "year")


def test_a_stale_or_forged_plan_change_changes_nothing(app, billing_on, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    client = logged_in(agency.owner_email)
    url = f"/a/{agency.slug}/billing/change"
    stale = client.post(url, data={"plan": "network", "interval": "month", "proration_date": "1000"}, headers=ENGLISH)
    assert stale.status_code == 200 and 'data-testid="change-preview"' in stale.get_data(as_text=True)  # shown again
    for form in ({"plan": "gold", "proration_date": "1"}, {"plan": "network", "interval": "week"},
                 {"plan": "network", "proration_date": "abc"}):
        assert client.post(url, data=form).status_code == 400
    assert client.post(url, data={"plan": "solo", "proration_date": str(int(utcnow().timestamp()))}).status_code == 302
    assert not billing_on.calls("POST", f"/v1/subscriptions/{sub['id']}")
    assert read_subscription(app, agency).plan == "solo"


def test_an_agency_without_a_live_subscription_cannot_open_the_change_page(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    assert client.post(f"/a/{agency.slug}/billing/change", data={"plan": "solo", "proration_date": "1"}).status_code == 302
    assert not billing_on.requests


def test_checkout_adds_vat_collects_the_vat_number_and_the_billing_address(app, billing_on, make_agency, logged_in):
    agency = make_agency()
    client = logged_in(agency.owner_email)
    assert client.post(f"/a/{agency.slug}/billing/checkout", data={"plan": "solo"}).status_code == 303
    params = billing_on.calls("POST", "/v1/checkout/sessions")[0]["params"]
    assert params["automatic_tax[enabled]"] == "true"
    assert params["tax_id_collection[enabled]"] == "true"
    assert params["billing_address_collection"] == "required"
    assert (params["customer_update[name]"], params["customer_update[address]"]) == ("auto", "auto")
    assert params["allow_promotion_codes"] == "true"
    page = client.get(f"/a/{agency.slug}/billing/", headers=ENGLISH).get_data(as_text=True)
    assert "VAT (20 % in France) is added from your billing address" in page
    french = client.get(f"/a/{agency.slug}/billing/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "La TVA (20 % en France)" in french


def test_a_tax_rate_instead_of_stripe_tax(app, billing_on, make_agency, logged_in):
    app.config["STRIPE_TAX"] = "txr_fr_20"
    try:
        agency = make_agency()
        assert logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout",
                                                  data={"plan": "solo"}).status_code == 303
        params = billing_on.calls("POST", "/v1/checkout/sessions")[0]["params"]
        assert params["line_items[0][tax_rates][0]"] == "txr_fr_20" and "automatic_tax[enabled]" not in params
        agency2, customer, sub = paying_agency(app, billing_on, lambda: make_agency("Agence Deux"))
        client = logged_in(agency2.owner_email)
        client.post(f"/a/{agency2.slug}/billing/checkout", data={"plan": "network"})
        preview = billing_on.calls("POST", "/v1/invoices/create_preview")[0]["params"]
        assert "automatic_tax[enabled]" not in preview  # the item keeps the rate Checkout gave it
    finally:
        app.config["STRIPE_TAX"] = "automatic"


def test_the_preview_of_a_change_asks_stripe_tax(app, billing_on, make_agency, logged_in):
    agency, customer, sub = paying_agency(app, billing_on, make_agency)
    logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/checkout", data={"plan": "network"})
    assert billing_on.calls("POST", "/v1/invoices/create_preview")[0]["params"]["automatic_tax[enabled]"] == "true"


def test_the_fake_stripe_refuses_what_stripe_would_refuse(app, billing_on):
    """The fake checks parameters against the pinned library's types, so a test cannot pass on a call Stripe refuses."""
    import stripe

    from saas.billing.stripe_api import stripe_client

    with app.app_context():
        sessions = stripe_client().v1.checkout.sessions
        with pytest.raises(stripe.InvalidRequestError, match="unknown parameter: tax_id_colection"):
            sessions.create(params={"mode": "subscription", "tax_id_colection": {"enabled": True}})
        with pytest.raises(stripe.InvalidRequestError, match=r"Missing required param: automatic_tax\[enabled\]"):
            sessions.create(params={"mode": "subscription", "automatic_tax": {"liability": {"type": "self"}}})
        with pytest.raises(stripe.InvalidRequestError, match="unknown parameter"):
            stripe_client().v1.customers.create(params={"emial": "x@y.test"})
        sub = billing_on.add_subscription("cus_x")
        with pytest.raises(stripe.InvalidRequestError, match=r"pending updates: items\[0\]\[tax_rates\]"):
            stripe_client().v1.subscriptions.update(sub["id"], params={
                "payment_behavior": "pending_if_incomplete",
                "items": [{"id": sub["items"]["data"][0]["id"], "price": "price_solo", "tax_rates": ["txr_1"]}]})
    assert len(billing_on.invalid) == 4
    billing_on.invalid.clear()  # refused on purpose: the fixture fails any test that leaves one


def test_portal_opens_the_configured_portal(app, billing_on, make_agency, logged_in):
    app.config["STRIPE_PORTAL_CONFIGURATION"] = "bpc_tax_ids"
    try:
        agency, customer, sub = paying_agency(app, billing_on, make_agency)
        assert logged_in(agency.owner_email).post(f"/a/{agency.slug}/billing/portal").status_code == 303
        assert billing_on.calls("POST", "/v1/billing_portal/sessions")[0]["params"]["configuration"] == "bpc_tax_ids"
    finally:
        app.config["STRIPE_PORTAL_CONFIGURATION"] = ""
