"""Board page server time: a client's board with 500 cards against the workspace home.

Creates a throwaway PostgreSQL database (as the tests do), migrates it, seeds one agency
with a board of 500 cards (assignees, labels, checklists, 50 comments) from a fixed
seed, then times the board page, its list view and the workspace home with the Flask
test client in the same run, and counts the SQL statements of each page.
Run with `.venv/bin/python -m benchmarks board`.
"""
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import event, select

from saas import create_app, db, tenancy
from saas.auth import service as accounts
from saas.auth import sessions
from saas.auth.models import Membership
from saas.cli import upgrade_database
from saas.config import TestConfig
from saas.db import utcnow
from tenants.boards.models import BoardCard, BoardLabel, CardAssignee, CardComment, CardLabel, ChecklistItem
from tenants.boards.service import get_or_create_board, list_columns
from tenants.clients.models import Client

SEED = 20261126
CARDS = 500
COMMENTS = 50
RUNS = 30
WORDS = ("press release launch interview influencer campaign story reel newsletter brief crisis statement "
         "event embargo journalist podcast teaser contest review shooting").split()


def seed_board(client, cards=CARDS, comments=COMMENTS, seed=SEED):
    """Fill a client's board with `cards` cards and `comments` comments (agency already set)."""
    rng = random.Random(seed)
    board = get_or_create_board(client)
    columns = list_columns(board)
    members = db.session.scalars(select(Membership).where(Membership.role != "guest")).all()
    labels = db.session.scalars(select(BoardLabel)).all()
    now, made = utcnow(), []
    for n in range(cards):
        column = columns[n % len(columns)]
        due = now + timedelta(days=rng.randint(-10, 40), hours=rng.randint(0, 8)) if rng.random() < 0.7 else None
        made.append(BoardCard(board_id=board.id, column_id=column.id, position=n // len(columns),
                              title=" ".join(rng.sample(WORDS, 3)).capitalize(), pole=rng.choice(("rp", "cm", "both")),
                              due_at=due, description="Plan **with** the other pole."))
    db.session.add_all(made)
    db.session.flush()
    for card in made:
        for member in rng.sample(members, min(len(members), rng.randint(0, 2))):
            db.session.add(CardAssignee(card_id=card.id, membership_id=member.id))
        for label in rng.sample(labels, min(len(labels), rng.randint(0, 2))):
            db.session.add(CardLabel(card_id=card.id, label_id=label.id))
        if rng.random() < 0.3:
            db.session.add_all(ChecklistItem(card_id=card.id, text=f"Step {i}", done=rng.random() < 0.5, position=i)
                               for i in range(3))
    for n in range(comments):
        db.session.add(CardComment(card_id=made[n * 7 % len(made)].id, author_id=members[0].user_id,
                                   body=f"Comment {n} for @{members[-1].user.email.split('@')[0]}"))
    db.session.flush()
    return board


def make_agency_with_board(app, cards=CARDS, comments=COMMENTS):
    """Create an agency, two members, labels and a seeded board; return (the owner's session key, slug, client id)."""
    with app.app_context():
        owner = accounts.register_user("owner@bench.test", "Ada Owner", "Correct-Horse-Battery-42")
        agency = accounts.create_agency("Agence Bench", "agence-bench", owner)
        with tenancy.agency_scope(agency.id):
            for n, pole in enumerate(("rp", "cm")):
                user = accounts.register_user(f"member{n}@bench.test", f"Member {pole.upper()}", "Correct-Horse-Battery-42")
                db.session.add(Membership(user_id=user.id, role="member", pole=pole))
            db.session.add_all(BoardLabel(name=name, color=color) for name, color in
                               (("Crisis", "#ef4444"), ("Press", "#3b82f6"), ("Influence", "#a855f7")))
            client = Client(name="Danone")
            db.session.add(client)
            db.session.flush()
            seed_board(client, cards, comments)
            key = sessions.open_session(owner, ip="127.0.0.1", user_agent="benchmark")
            db.commit()
            return key, agency.slug, client.id


def timed(client, url, runs=RUNS):
    """Median and 90th percentile server time of GET `url`, in milliseconds."""
    client.get(url)  # warm the caches (templates, statements)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), sorted(times)[int(len(times) * 0.9) - 1], len(response.data)


def count_statements(app, client, url):
    """How many SQL statements one GET of `url` runs."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["relais_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def main():
    """Seed, then print the board page's server time against the workspace home."""
    from tests import services

    url = services.create_database(services.postgres_server())
    upgrade_database(url)
    config = type("BenchConfig", (TestConfig,), {"DATABASE_URL": url, "REDIS_URL": services.redis_server_url()})
    app = create_app(config)
    user_key, slug, client_id = make_agency_with_board(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_key, True
    pages = (("workspace home", f"/a/{slug}/"), (f"board, {CARDS} cards", f"/a/{slug}/boards/{client_id}"),
             (f"list view, {CARDS} cards", f"/a/{slug}/boards/{client_id}/list"),
             ("live feed, nothing new", f"/a/{slug}/boards/{client_id}/feed?v=999999"))
    print(f"{'page':<28} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'KiB':>6}")
    results = {}
    for name, page in pages:
        median, p90, size = timed(client, page) if "feed" not in page else _timed_feed(client, page)
        results[name] = median
        print(f"{name:<28} {median:>10.1f} {p90:>8.1f} {count_statements(app, client, page):>8} {size / 1024:>6.0f}")
    ratio = results[f"board, {CARDS} cards"] / results["workspace home"]
    print(f"board page / workspace home: {ratio:.1f}x ({CARDS} cards, {COMMENTS} comments, {RUNS} runs each)")


def _timed_feed(client, url):
    """Time the live feed's empty answer (204), the request every open board makes every 3 s."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        assert client.get(url).status_code == 204
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), sorted(times)[int(len(times) * 0.9) - 1], 0


if __name__ == "__main__":
    main()
