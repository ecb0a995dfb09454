"""Signed-in pages under load: the Procfile's web process on PostgreSQL, hit by wrk.

Creates a throwaway migrated PostgreSQL database, seeds one agency as it looks after a few
months (5 clients, 10,000 mentions, a board of 500 cards, crises with an alert, guests), signs
a staff member and a client's guest in through the real login form (CSRF token and all), starts
the `web:` line of the Procfile as is (gunicorn, its own settings; PORT set to a free port), then
runs wrk on every page in turn with 50 connections for 15 s each, in the same run, /healthz
first and last (its figures are the better of the two).

Prints a markdown table (req/s, share of /healthz, p50, p99, errors) and writes it into
docs/performance.md under the label given (`--label after`, default "latest"), replacing the
table of that label. wrk comes from Debian's package (`apt-get install wrk`); without it the
script stops and says so. Errors are socket errors, timeouts and answers other than 200 (a
page that sends a signed-in person to the login form counts as an error).

Run with `.venv/bin/python -m benchmarks load` (or `python benchmarks/bench_load.py --label before`).
Environment: LOAD_SECONDS (15), LOAD_CONNECTIONS (50), LOAD_THREADS (2, wrk's threads),
LOAD_ONLY (comma-separated parts of page names), WEB_CONCURRENCY and WEB_THREADS (as the Procfile),
LOAD_SETTINGS ("2x4,4x2": compare gunicorn's workers x threads on the same data, for docs/operations.md),
LOAD_WRITES (mentions written into the agency per second while the pages are measured, as during a crisis:
each one makes the pages that read mentions render again, saas/pagecache.py), PAGE_CACHE=off (pages
rendered every time: what the kept pages save).
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from saas import create_app, db, tenancy  # noqa: E402
from saas.auth import service as accounts  # noqa: E402
from saas.auth.models import Membership  # noqa: E402
from saas.cli import upgrade_database  # noqa: E402
from saas.config import TestConfig  # noqa: E402
from saas.db import utcnow  # noqa: E402

SEED = 20261128
PASSWORD = "Correct-Horse-Battery-42"
CLIENTS, MENTIONS, CARDS = 5, 10_000, 500
SECONDS = int(os.environ.get("LOAD_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "50"))
THREADS = int(os.environ.get("LOAD_THREADS", "2"))
# Billing on, as in production (the banner and the plan limits are on every page); Stripe itself is never called.
BILLING = {"STRIPE_SECRET_KEY": "sk_test_load_benchmark", "STRIPE_WEBHOOK_SECRET": "whsec_load_benchmark",
           "STRIPE_API_BASE": "http://127.0.0.1:9", "STRIPE_PRICE_SOLO": "price_solo",
           "STRIPE_PRICE_AGENCY": "price_agency", "STRIPE_PRICE_NETWORK": "price_network"}
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
SECTION = "## Pages under load (`bench_load`)"
WORDS = ("rappel produit lancement interview influenceur campagne avis client service qualité prix usine "
         "grève salon presse communiqué boycott scandale recette bio emballage livraison").split()


# --- Data ---------------------------------------------------------------------------------------------------------

def seed(app):
    """One agency as it looks after a few months; return the ids the pages need."""
    from benchmarks.bench_board import seed_board
    from tenants.boards.models import BoardLabel
    from tenants.clients.models import Client
    from tenants.crisis.models import AlertRule, Crisis, CrisisAlert
    from tenants.guests import service as guests
    from tenants.monitoring import service as monitoring
    from tenants.monitoring.models import Mention

    rng = random.Random(SEED)
    with app.app_context():
        owner = accounts.register_user("owner@load.test", "Ada Owner", PASSWORD)
        agency = accounts.create_agency("Agence Charge", "agence-charge", owner)
        db.commit()
        with tenancy.agency_scope(agency.id):
            members = []
            for n, pole in enumerate(("rp", "cm", "rp", "cm")):
                user = accounts.register_user(f"member{n}@load.test", f"Member {n} {pole.upper()}", PASSWORD)
                members.append(Membership(user_id=user.id, role="member", pole=pole))
            db.session.add_all(members)
            db.session.add_all(BoardLabel(name=name, color=color) for name, color in
                               (("Crise", "#ef4444"), ("Presse", "#3b82f6"), ("Influence", "#a855f7")))
            clients = [Client(name=name, sector=sector, website=f"https://{name.lower()}.example")
                       for name, sector in (("Danone", "Agroalimentaire"), ("Hermès", "Luxe"), ("Orange", "Télécoms"),
                                            ("Airbus", "Aéronautique"), ("Lactalis", "Agroalimentaire"))][:CLIENTS]
            db.session.add_all(clients)
            db.session.flush()
            board = seed_board(clients[0], CARDS, 50, SEED)
            for client in clients[1:]:
                seed_board(client, 20, 2, SEED + client.id)
            keywords = [monitoring.create_keyword(client.id, client.name, None) for client in clients]
            db.session.flush()
            now = utcnow()
            rows = []
            for n in range(MENTIONS):
                k = n % len(clients)
                rows.append({"agency_id": agency.id, "client_id": clients[k].id, "keyword_id": keywords[k].id,
                             "source_kind": rng.choice(("rss", "hackernews", "bluesky", "reddit")),
                             "source_name": "Le Journal", "item_key": f"item-{n}",
                             "url": f"https://news.example/{n}", "title": f"{clients[k].name} " + " ".join(rng.sample(WORDS, 6)),
                             "excerpt": " ".join(rng.choices(WORDS, k=30)), "highlights": [],
                             "author": f"author{n % 97}", "published_at": now - timedelta(minutes=3 * n),
                             "language": "fr", "sentiment": rng.choice(("positive", "neutral", "neutral", "negative")),
                             "sentiment_score": 0.0, "status": "new", "created_at": now,
                             "shared_with_client": n % 50 == 0})
            for start in range(0, len(rows), 2000):
                db.session.execute(insert(Mention), rows[start:start + 2000])
            rules, alert = [], None
            for client in clients[:3]:
                rule = AlertRule(client_id=client.id, name=f"Veille crise {client.name}", secret=f"{client.id}".ljust(48, "s"),
                                 recipient_ids=[members[0].id])
                crisis = Crisis(client_id=client.id, peak_score=80.0, last_score=72.0)
                db.session.add_all([rule, crisis])
                db.session.flush()
                alert = CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=now - timedelta(minutes=15),
                                    score=72.0, evidence={"sensitivity": "medium", "parts": {}, "chart": []})
                db.session.add(alert)
                rules.append(rule)
            db.session.flush()
            guest_user = accounts.register_user("guest@load.test", "Gaston Guest", PASSWORD)
            guest = Membership(user_id=guest_user.id, role="guest")
            db.session.add(guest)
            db.session.flush()
            guests.set_guest_clients(guest, clients[:2])
            for n in range(3):
                other = accounts.register_user(f"guest{n}@load.test", f"Guest {n}", PASSWORD)
                extra = Membership(user_id=other.id, role="guest")
                db.session.add(extra)
                db.session.flush()
                guests.set_guest_clients(extra, [clients[n]])
            owner_membership = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
            db.commit()
            return {"slug": agency.slug, "client_id": clients[0].id, "board_client_id": board.client_id,
                    "alert_id": alert.id, "guest_client_id": clients[0].id, "owner_membership": owner_membership.id}


def analyze(url):
    """VACUUM ANALYZE the seeded database, as autovacuum does on a live one (plans need statistics)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# --- HTTP ---------------------------------------------------------------------------------------------------------

def sign_in(base, email):
    """Sign in through the login form (GET for the CSRF token, then POST); return the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    response = opener.open(f"{base}/login", data=form)
    if "/login" in response.url:
        raise SystemExit(f"could not sign {email} in: landed on {response.url}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def check(base, path, cookie):
    """GET a page once with the cookie; refuse to measure a page that does not answer 200."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects as they are (a redirect to the login form is a failure here)."""

    def redirect_request(self, *args, **kwargs):
        return None


def wait_until_up(base, process, timeout=60):
    """Wait until /healthz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the web process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    raise SystemExit("the web process did not answer /healthz in time")


def procfile_web():
    """The `web:` command of the Procfile, as Heroku-like platforms run it."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit("no web: line in the Procfile")


def start_web(database_url, redis_url, port, extra_env=None):
    """Start the Procfile's web process with the venv's binaries first on PATH."""
    env = dict(os.environ, **(extra_env or {}), PORT=str(port), DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY="load-benchmark-secret", MAIL_SERVER="", **BILLING,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("FLASK_DEBUG", None)
    log = open(ROOT / "instance" / "bench_load_web.log", "w") if (ROOT / "instance").is_dir() else subprocess.DEVNULL
    return subprocess.Popen(["sh", "-c", f"exec {procfile_web()}"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop_web(process):
    """Stop gunicorn (its own process group) and wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url, cookie):
    """wrk on one URL; return {rps, p50, p99 (ms), errors, requests}."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "10s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "requests": int(re.search(r"(\d+) requests in", out).group(1)), "errors": 0}
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s|m)\b", out)
        result[key] = _ms(*match.groups()) if match else float("nan")
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        result["errors"] += sum(int(n) for n in socket.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        result["errors"] += int(non_2xx.group(1))
    return result


# --- The run ------------------------------------------------------------------------------------------------------

def pages(ids):
    """(name, path, who) of every page measured; who is "staff", "guest" or None."""
    a = f"/a/{ids['slug']}"
    return [
        ("workspace home", f"{a}/", "staff"),
        ("clients", f"{a}/clients/", "staff"),
        ("client page", f"{a}/clients/{ids['client_id']}", "staff"),
        (f"mentions inbox ({MENTIONS:,} mentions)", f"{a}/mentions/", "staff"),
        ("boards", f"{a}/boards/", "staff"),
        (f"board of {CARDS} cards", f"{a}/boards/{ids['board_client_id']}", "staff"),
        ("calendar", f"{a}/boards/calendar", "staff"),
        ("crisis", f"{a}/crisis/", "staff"),
        ("a crisis alert", f"{a}/crisis/alerts/{ids['alert_id']}", "staff"),
        ("guests", f"{a}/guests/", "staff"),
        ("billing", f"{a}/billing/", "staff"),
        ("client portal (guest)", f"{a}/portal/", "guest"),
        ("client portal, a client (guest)", f"{a}/portal/clients/{ids['guest_client_id']}", "guest"),
    ]


def drain(base, timeout=90):
    """Wait until the server has worked off the requests wrk left queued (/healthz answers at once again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=30) as response:
                response.read()
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() - started < 0.2:
            time.sleep(0.5)
            return
    print("  (the server was still busy after the previous page)", flush=True)


def wanted(name):
    """Whether LOAD_ONLY (comma-separated parts of page names) keeps the page."""
    only = [part.strip() for part in os.environ.get("LOAD_ONLY", "").split(",") if part.strip()]
    return not only or any(part in name for part in only)


def measure(base, ids, cookies):
    """wrk every page in turn; /healthz first and last. Return [(name, path, result)]."""
    chosen = [page for page in pages(ids) if wanted(page[0])]
    for name, path, who in chosen:  # each page answers 200 to its person before anything is measured
        status, size = check(base, path, cookies[who])
        if status != 200:
            raise SystemExit(f"{name} ({path}) answered {status}, not 200")
        run_wrk_warm(base + path, cookies[who])
        drain(base)
    results = [("/healthz", "/healthz", run_wrk(f"{base}/healthz", None))]
    for name, path, who in chosen:
        drain(base)
        results.append((name, path, run_wrk(base + path, cookies[who])))
        print(f"  {name}: {results[-1][2]['rps']:,.0f} req/s", flush=True)
    drain(base)
    last = run_wrk(f"{base}/healthz", None)
    if last["rps"] > results[0][2]["rps"]:
        results[0] = ("/healthz", "/healthz", last)
    return results


class MentionWriter(threading.Thread):
    """Writes LOAD_WRITES mentions a second into the agency, each in its own transaction, until stopped."""

    def __init__(self, app, rate):
        super().__init__(daemon=True)
        self.app, self.rate, self.stopping, self.written = app, rate, threading.Event(), 0

    def run(self):
        from tenants.monitoring.models import Keyword, Mention

        with self.app.app_context():
            with tenancy.all_agencies():
                keywords = db.session.scalars(select(Keyword).order_by(Keyword.id)).all()
                targets = [(k.agency_id, k.client_id, k.id) for k in keywords]
            db.session.rollback()
            while not self.stopping.wait(1 / self.rate):
                agency_id, client_id, keyword_id = targets[self.written % len(targets)]
                with tenancy.agency_scope(agency_id):
                    db.session.add(Mention(client_id=client_id, keyword_id=keyword_id, source_kind="rss",
                                           source_name="Le Journal", item_key=f"live-{self.written}",
                                           url=f"https://news.example/live/{self.written}",
                                           title=f"Nouvelle mention {self.written}", excerpt="boycott rappel",
                                           highlights=[], author="live", published_at=utcnow(), language="fr",
                                           sentiment="negative", sentiment_score=-0.5, status="new"))
                    db.commit()
                self.written += 1

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


def run_wrk_warm(url, cookie):
    """A short burst so that every worker has compiled the page's templates before measuring."""
    command = ["wrk", "-t1", "-c4", "-d1s", url] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    subprocess.run(command, capture_output=True, check=True)


def table(results, queries=None):
    """The markdown table of a run."""
    base = results[0][2]
    lines = ["| page | req/s | share of /healthz | p50 | p99 | p99 / /healthz's | errors |" + (" queries (rendered / kept) |" if queries else ""),
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if queries else "")]
    for name, path, r in results:
        share = r["rps"] / base["rps"] if base["rps"] else float("nan")
        ratio = r["p99"] / base["p99"] if base["p99"] else float("nan")
        ok = share >= 0.25 and ratio <= 4 and r["errors"] == 0
        mark = "" if name == "/healthz" or ok else " ✗"
        q = f" {queries.get(path, '')} |" if queries else ""
        lines.append(f"| {name}{mark} | {r['rps']:,.0f} | {share:.0%} | {r['p50']:,.0f} ms | {r['p99']:,.0f} ms | "
                     f"{ratio:.1f}× | {r['errors']:,} |{q}")
    return "\n".join(lines)


def count_queries(app, ids, who_keys):
    """SQL statements of one GET of each page, with the Flask test client (same database)."""
    from tests.querycount import count_queries as counted

    counts = {}
    for _name, path, who in pages(ids):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = who_keys[who], True
        found = []
        for kept in (False, True):  # rendered (the view's queries), then kept (saas/pagecache.py)
            app.config["PAGE_CACHE"] = kept
            client.get(path)
            client.get(path)
            with counted(app, kept_pages=kept) as statements:
                response = client.get(path)
            found.append(str(len(statements)) if response.status_code == 200 else f"{response.status_code}!")
        counts[path] = " / ".join(found)
    return counts


def write_markdown(label, text):
    """Put `text` under '### <label>' in the load section of docs/performance.md (replacing that label's)."""
    doc = PERFORMANCE_MD.read_text()
    if SECTION not in doc:
        doc = doc.rstrip("\n") + f"\n\n{SECTION}\n"
    head, _, rest = doc.partition(SECTION)
    next_section = re.search(r"^## ", rest, flags=re.MULTILINE)
    body, tail = (rest[:next_section.start()], rest[next_section.start():]) if next_section else (rest, "")
    block = f"### {label}\n\n{text}\n"
    pattern = re.compile(rf"^### {re.escape(label)}\n.*?(?=^### |\Z)", flags=re.MULTILINE | re.DOTALL)
    body = pattern.sub(lambda _: block + "\n", body) if pattern.search(body) else body.rstrip("\n") + "\n\n" + block
    PERFORMANCE_MD.write_text(head + SECTION + "\n" + body.strip("\n").join(("\n", "\n")) + ("\n" + tail if tail else ""))


def main():
    """Seed, start the web process, measure every page, print and record the table."""
    from tests import services

    label = "latest"
    if "--label" in sys.argv:
        label = sys.argv[sys.argv.index("--label") + 1]
    if shutil.which("wrk") is None:
        print("bench_load needs wrk (Debian: `apt-get install wrk`); skipped.")
        return
    url = services.create_database(services.postgres_server())
    upgrade_database(url)
    redis_url = services.redis_server_url()
    config = type("BenchConfig", (TestConfig,), {"DATABASE_URL": url, "REDIS_URL": redis_url, **BILLING})
    app = create_app(config)
    WRITER_APP[0] = app
    started = time.perf_counter()
    ids = seed(app)
    analyze(url)
    print(f"seeded in {time.perf_counter() - started:.1f} s: {CLIENTS} clients, {MENTIONS:,} mentions, "
          f"a board of {CARDS} cards", flush=True)
    settings = [tuple(int(n) for n in pair.split("x")) for pair in os.environ.get("LOAD_SETTINGS", "").split(",") if pair]
    if settings:  # compare gunicorn settings (workers x threads) on the same data: docs/operations.md
        compare_settings(url, redis_url, ids, settings, label)
        return
    results = run_web(url, redis_url, ids)
    queries = None
    try:
        queries = count_queries(app, ids, session_keys(app))
    except Exception as exc:  # the figures above are kept whatever happens here
        print(f"(query counts not available: {type(exc).__name__}: {exc})")
    conditions = "".join((
        ", pages rendered every time (PAGE_CACHE=off)" if os.environ.get("PAGE_CACHE") == "off" else ", kept pages on",
        f", {os.environ['LOAD_WRITES']} mentions written a second meanwhile" if os.environ.get("LOAD_WRITES") else ""))
    text = (f"{date_line()} `{procfile_web()}`, wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s per page{conditions}, "
            f"one run. ✗: a goal missed (share < 25%, p99 > 4× /healthz's, or errors).\n\n" + table(results, queries))
    board = next(r for n, _, r in results if n.startswith("board of")) if any(
        n.startswith("board of") for n, _, _ in results) else None
    home = next((r for n, _, r in results if n == "workspace home"), None)
    if board and home and board["rps"]:
        text += f"\n\nBoard of {CARDS} cards / workspace home (time per request): {home['rps'] / board['rps']:.1f}×"
    print(text)
    write_markdown(label, text)
    print(f"(written to docs/performance.md under '### {label}')")


WRITER_APP = [None]  # the benchmark's own app (same database and Redis), for MentionWriter


def run_web(url, redis_url, ids, env=None):
    """Start the web process (with `env` on top), sign in, measure, stop it; return the results."""
    from tests import services

    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    web = start_web(url, redis_url, port, env)
    try:
        wait_until_up(base, web)
        cookies = {None: "", "staff": sign_in(base, "owner@load.test"), "guest": sign_in(base, "guest@load.test")}
        writer = None
        if float(os.environ.get("LOAD_WRITES", "0")) > 0:
            writer = MentionWriter(WRITER_APP[0], float(os.environ["LOAD_WRITES"]))
            writer.start()
        try:
            return measure(base, ids, cookies)
        finally:
            if writer is not None:
                writer.stop()
                print(f"  ({writer.written:,} mentions written while measuring)", flush=True)
    finally:
        stop_web(web)


def compare_settings(url, redis_url, ids, settings, label):
    """The same pages under each gunicorn setting (WEB_CONCURRENCY workers x WEB_THREADS threads)."""
    rows = ["| workers × threads | " + " | ".join(["/healthz req/s"] + [f"{n} req/s, p99" for n, _, _ in pages(ids)
                                                                        if wanted(n)]) + " |"]
    rows.append("| --- |" + " ---: |" * (rows[0].count("|") - 2))
    for workers, threads in settings:
        print(f"{workers} workers x {threads} threads", flush=True)
        results = run_web(url, redis_url, ids, {"WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)})
        cells = [f"{results[0][2]['rps']:,.0f}"] + [f"{r['rps']:,.0f}, {r['p99']:,.0f} ms" + (f" ({r['errors']} errors)" if r["errors"] else "")
                                                    for _, _, r in results[1:]]
        rows.append(f"| {workers} × {threads} | " + " | ".join(cells) + " |")
    text = (f"{date_line()} wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s per page, one run per setting.\n\n"
            + "\n".join(rows))
    print(text)
    write_markdown(label, text)


def session_keys(app):
    """Open a server-side session for the owner and the guest (for the query counts)."""
    from saas.auth import sessions
    from saas.auth.models import User

    with app.app_context():
        keys = {}
        for who, email in (("staff", "owner@load.test"), ("guest", "guest@load.test")):
            user = db.session.scalar(select(User).where(User.email == email))
            keys[who] = sessions.open_session(user, ip="127.0.0.1", user_agent="benchmark")
        db.commit()
        keys[None] = None
        return keys


def date_line():
    """When and where."""
    import platform
    from datetime import date

    return f"{date.today()}, {platform.node()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end;"


if __name__ == "__main__":
    main()
