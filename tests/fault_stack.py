"""Relais run as production runs it, for the fault test: web, worker and cron as real processes
on a PostgreSQL and a Redis of their own (which the test stops and starts), fetching feeds from
a local server whose items the test publishes round by round.

`python -m tests.fault_stack setup URL...` (run with DATABASE_URL and REDIS_URL set) creates an
agency whose client follows the feeds with the keyword "Danone".
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

from saas.config import ROOT
from tests import services
from tests.local_server import LocalServer

KEYWORD = "Danone"


class FeedServer:
    """Feeds /feed/<n> listing every item published so far; a feed can be held (a fetch in flight)."""

    def __init__(self, count):
        self.server = LocalServer().start()
        self.items = {n: [] for n in range(count)}
        self.gates = {}
        for n in range(count):
            self.server.route(f"/feed/{n}", self._answer(n))

    def urls(self):
        return [self.server.url_for(f"/feed/{n}") for n in self.items]

    def publish(self, round_number, per_feed):
        """Add `per_feed` items naming the brand to every feed; return their links."""
        links = []
        for n, items in self.items.items():
            for k in range(per_feed):
                link = f"https://news.example/{round_number}/{n}/{k}"
                items.append((f"r{round_number}-f{n}-i{k}", f"{KEYWORD} news {round_number}.{n}.{k}", link))
                links.append(link)
        return links

    def served(self):
        return {link for items in self.items.values() for _, _, link in items}

    def hold(self, n):
        """Make fetches of feed n wait until release(n) (at most 25 s)."""
        self.gates[n] = threading.Event()

    def release(self, n):
        self.gates.pop(n).set()

    def fetches(self, n):
        return self.server.paths_seen().count(f"/feed/{n}")

    def _answer(self, n):
        def answer(handler):
            gate = self.gates.get(n)
            if gate is not None:
                gate.wait(25)
            entries = "".join(
                f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
                f"<description>{title}: la marque en parle.</description></item>"
                for guid, title, link in list(self.items[n]))
            body = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
                    f"<link>https://news.example/</link><language>fr</language>{entries}</channel></rss>").encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        return answer


class Stack:
    """The services, the processes and their logs."""

    def __init__(self, logs: Path, feeds, tick_seconds=2, job_heartbeat=2):
        from saas.cli import upgrade_database

        self.logs = logs
        self.feeds = feeds
        self.postgres = services.ThrowawayPostgres().start()
        self.database_url = services.create_database(self.postgres.url)
        upgrade_database(self.database_url)
        self.redis = services.ThrowawayRedis().start()
        self.processes = {}
        self.web_port = services.free_port()
        self.env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis.url,
                    "FETCH_ALLOW_HOSTS": "127.0.0.1", "CRON_TICK_SECONDS": str(tick_seconds),
                    "JOB_HEARTBEAT_SECONDS": str(job_heartbeat), "SECRET_KEY": "fault-test", "STATUS_TOKEN": "",
                    "PYTHONUNBUFFERED": "1"}

    def flask(self, *args, check=True):
        """Run a `flask --app wsgi` command to its end; return the finished process."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, check=check, timeout=120)

    def setup_agency(self):
        subprocess.run([sys.executable, "-m", "tests.fault_stack", "setup", *self.feeds.urls()], env=self.env,
                       cwd=ROOT, check=True, timeout=120)

    def start(self, name, *command):
        """Start a long-running process in its own session (as a supervisor would), logging to a file."""
        commands = {
            "worker": [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            "cron": [sys.executable, "-m", "flask", "--app", "wsgi", "cron"],
            "web": [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.web_port}", "--workers", "1",
                    "--threads", "2", "wsgi:app"],
        }
        log = open(self.logs / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(command or commands[name], env=self.env, cwd=ROOT, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        return self.processes[name]

    def alive(self, name):
        return self.processes[name].poll() is None

    def kill_worker(self):
        """SIGKILL the worker and its work horse (as the OOM killer would); return the pids of the
        work horse and of the worker's other children (RQ's scheduler), which is left to notice."""
        worker = self.processes.pop("worker")
        children = _children(worker.pid)
        horses = [pid for pid in children if os.getpgid(pid) == pid]  # a work horse leads its own group
        for pid in (worker.pid, *horses):
            os.kill(pid, signal.SIGKILL)
        worker.wait()
        return horses, [pid for pid in children if pid not in horses]

    def log(self, name):
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sql(self, query, *params):
        """Run SQL as the database owner (row-level security does not apply); return the rows."""
        with psycopg.connect(self.database_url, connect_timeout=3, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def mention_links(self):
        """Every mention's link, once per mention (a duplicate would appear twice)."""
        return [link for (link,) in self.sql("SELECT url FROM mentions")]

    def stop(self):
        """Stop the processes as a supervisor would (SIGTERM, then SIGKILL); return their exit codes."""
        codes = {}
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait()
        return codes


def running(pid):
    """Tell whether a process still runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid):
    """Pids of a process's children (the work horse, RQ's scheduler)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def poll(predicate, timeout, interval=0.5):
    """Wait until predicate() is true (errors count as false); return the seconds it took, or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if predicate():
                return time.monotonic() - started
        except (psycopg.Error, OSError):
            pass
        time.sleep(interval)
    return None


def setup(feed_urls):
    """Create an agency, its client, the keyword and the followed feeds (no search connectors)."""
    from saas import create_app, db, tenancy
    from saas.auth import service as accounts
    from tenants.clients.models import Client
    from tenants.monitoring import service
    from tenants.monitoring.models import MonitoringSettings

    app = create_app()
    with app.app_context():
        owner = accounts.register_user("owner@faults.test", "Owner", "Correct-Horse-Battery-42")
        agency = accounts.create_agency("Agence Pannes", "agence-pannes", owner)
        db.commit()
        with tenancy.agency_scope(agency.id):
            client = Client(name=KEYWORD)
            db.session.add(client)
            db.session.flush()
            db.session.add(MonitoringSettings(client_id=client.id, connectors=[], mastodon_instances=[]))
            service.create_keyword(client.id, KEYWORD, None)
            for url in feed_urls:
                service.follow_feed(client.id, url)
            db.commit()


if __name__ == "__main__" and sys.argv[1:2] == ["setup"]:
    setup(sys.argv[2:])
