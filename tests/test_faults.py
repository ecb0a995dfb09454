"""Fault recovery with real processes: web, worker and cron on their own PostgreSQL and Redis.

The test publishes items on local feeds, hits the running pipeline with a fault, and waits
(with a generous deadline, never a timing assertion) until every item served is exactly one
mention. Nothing is restarted by hand, except a new worker after the first one was killed (as
a supervisor would). Run it alone with `pytest -m faults -s` (the figures are printed).
"""
import json
import re
import time
import urllib.error
import urllib.request

import pytest

from tests.fault_stack import FeedServer, Stack, poll, running

pytestmark = pytest.mark.faults

FEEDS = 6
PER_ROUND = 3
TICK = 2  # CRON_TICK_SECONDS of the processes
DEADLINE = 150  # seconds; only a pipeline that does not heal waits this long


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    feeds = FeedServer(FEEDS)
    running = Stack(tmp_path_factory.mktemp("faults"), feeds, tick_seconds=TICK)
    running.setup_agency()
    running.sql("UPDATE sources SET interval_seconds = 60")
    for name in ("web", "worker", "cron"):
        running.start(name)
    yield running
    running.stop()
    feeds.server.stop()


def every_item_is_one_mention(stack):
    links = stack.mention_links()
    assert len(links) == len(set(links)), "an item became two mentions"
    return set(links) == stack.feeds.served()


def publish(stack, round_number):
    """Publish a round of items and make every source due now (as if its interval had passed)."""
    stack.feeds.publish(round_number, PER_ROUND)
    stack.sql("UPDATE sources SET next_fetch_at = now()")


def web_status(stack, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.web_port}{path}", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_recovery(stack, what, figures, down=0.0):
    """Wait until every item served is one mention; note the figures (`down`: how long the fault lasted)."""
    took = poll(lambda: every_item_is_one_mention(stack), DEADLINE)
    logs = "\n".join(f"--- {name}\n{stack.log(name)[-4000:]}" for name in ("worker", "cron"))
    assert took is not None, f"{what}: {len(set(stack.mention_links()))} of {len(stack.feeds.served())} items\n{logs}"
    figures.append((what, down, len(stack.feeds.served()), len(stack.mention_links()), took))


def scheduler_lines(log):
    """The worker log's lines about its scheduler, warnings and errors (its jobs' lines left out)."""
    kept = [line for line in log.splitlines()
            if re.search(r"[Ss]cheduler|WARNING|ERROR|Traceback|Error|^\s", line)]
    return "\n".join(kept)[-12000:]


def test_the_pipeline_heals_itself_and_loses_nothing(stack):
    figures = []
    assert poll(lambda: web_status(stack, "/healthz")[0] == 200, 60) is not None
    publish(stack, 0)
    wait_for_recovery(stack, "steady state", figures)

    # 1. Redis is killed while a work horse is mid-fetch and stays away for several cron ticks; the job ends
    # while Redis is away (its end cannot be recorded); everything carries on once Redis is back.
    stack.feeds.hold(2)
    fetched = stack.feeds.fetches(2)
    publish(stack, 1)
    assert poll(lambda: stack.feeds.fetches(2) > fetched, 60) is not None, stack.log("worker")
    stack.redis.kill()
    down = time.monotonic()
    assert poll(lambda: web_status(stack, "/healthz")[0] == 503, 30) is not None
    stalled = stack.flask("status", check=False)
    assert stalled.returncode == 1 and "Redis does not answer" in stalled.stdout
    time.sleep(2 * TICK)
    stack.feeds.release(2)  # the work horse finishes its job with Redis away
    time.sleep(2 * TICK)  # Redis stays down longer than a tick
    stack.redis.start()
    healthy = poll(lambda: web_status(stack, "/healthz")[0] == 200, 30, interval=0.1)
    assert healthy is not None
    wait_for_recovery(stack, "Redis killed, restarted", figures, time.monotonic() - down - healthy)
    assert all(stack.alive(name) for name in ("web", "worker", "cron"))
    assert stack.log("cron").count("cron: Redis unreachable") == 1  # logged once per outage
    assert "starting a new worker" not in stack.log("worker"), scheduler_lines(stack.log("worker"))  # it rode it out
    assert poll(lambda: re.search(r"scheduler \d+: Redis answers again", stack.log("worker")), 30) is not None, \
        scheduler_lines(stack.log("worker"))

    # 2. The worker and its work horse are killed in the middle of a fetch; a supervisor starts a new worker.
    stack.feeds.hold(0)
    fetched = stack.feeds.fetches(0)
    publish(stack, 2)
    assert poll(lambda: stack.feeds.fetches(0) > fetched, 60) is not None, stack.log("worker")
    horses, others = stack.kill_worker()
    stack.feeds.release(0)
    assert horses, "the work horse was running"
    stack.start("worker")
    wait_for_recovery(stack, "worker + work horse SIGKILLed mid-fetch", figures)
    assert poll(lambda: not any(running(pid) for pid in others), 30) is not None  # its scheduler stopped too

    # 3. PostgreSQL crashes (immediate stop) while a fetched feed is being ingested.
    stack.feeds.hold(1)
    fetched = stack.feeds.fetches(1)
    publish(stack, 3)
    assert poll(lambda: stack.feeds.fetches(1) > fetched, 60) is not None
    stack.postgres.stop("immediate")
    down = time.monotonic()
    stack.feeds.release(1)
    time.sleep(2)
    stack.postgres.start()
    wait_for_recovery(stack, "PostgreSQL stopped -m immediate mid-job", figures, time.monotonic() - down)
    assert all(stack.alive(name) for name in ("web", "worker", "cron"))

    status = stack.flask("status", "--json", check=False)
    report = json.loads(status.stdout)
    assert status.returncode == 0 and report["status"] == "ok", status.stdout
    assert report["cron"]["last_tick"] and any(worker["alive"] for worker in report["workers"])
    assert web_status(stack, "/healthz/pipeline")[0] == 200
    codes = stack.stop()
    assert codes == {"web": 0, "worker": 0, "cron": 0}, codes
    print(f"\n{'fault':<42}{'down':>8}{'items served':>14}{'mentions':>10}{'all in after':>14}")
    for what, down, served, mentions, took in figures:
        print(f"{what:<42}{down:>6.1f} s{served:>14}{mentions:>10}{took:>12.1f} s")
    print(f"/healthz answered 200 again {healthy:.1f} s after Redis was back; Redis {stack.redis.version()}, "
          f"{FEEDS} feeds, cron tick {TICK} s, job heartbeat 2 s")
