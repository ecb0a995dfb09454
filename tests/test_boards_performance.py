"""Board pages cost a constant number of SQL statements, whatever the number of cards."""
import pytest

from benchmarks.bench_board import seed_board
from saas import db, tenancy
from saas.auth.models import Membership
from tenants.boards.models import BoardLabel
from tenants.clients.models import Client
from tests.conftest import login
from tests.querycount import count_queries


@pytest.fixture
def boards(app, make_agency, make_member):
    """One agency with two boards: 10 cards and 1 comment, 500 cards and 50 comments."""
    agency = make_agency()
    make_member(agency, "rp@lumiere.test", pole="rp")
    make_member(agency, "cm@lumiere.test", pole="cm")
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add_all([BoardLabel(name="Crisis", color="#ef4444"), BoardLabel(name="Press", color="#3b82f6")])
        small, large = Client(name="Small brand"), Client(name="Large brand")
        db.session.add_all([small, large])
        db.session.flush()
        seed_board(small, cards=10, comments=1)
        seed_board(large, cards=500, comments=50)
        assert db.session.query(Membership).count() == 3
        db.commit()
        return agency, small.id, large.id


def statements_of(app, client, url):
    """The SQL statements one GET of `url` runs, rendered (not a kept page), and check it answers 200."""
    with count_queries(app, ignore=None) as seen:
        assert client.get(url).status_code == 200, url
    return seen.statements


@pytest.mark.parametrize("page", ["", "/list", "/calendar?mode=month", "/feed", "?pole=rp&q=press"])
def test_a_board_page_runs_as_many_queries_with_500_cards_as_with_10(app, client, boards, page):
    agency, small, large = boards
    login(client, agency.owner_email)
    base = f"/a/{agency.slug}/boards"
    for client_id in (small, large):
        client.get(f"{base}/{client_id}")  # the first visit may create the board: not what is measured
    few = statements_of(app, client, f"{base}/{small}{page}")
    many = statements_of(app, client, f"{base}/{large}{page}")
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 25


@pytest.mark.parametrize("page", ["/cards", "/cards?assignee=me", "/cards?due=overdue", "/calendar", "/"])
def test_agency_wide_views_run_a_constant_number_of_queries(app, client, boards, page):
    agency, small, large = boards
    login(client, agency.owner_email)
    base = f"/a/{agency.slug}/boards"
    counts = [len(statements_of(app, client, f"{base}{page}"))]
    with app.app_context(), tenancy.agency_scope(agency.id):
        seed_board(db.session.get(Client, large), cards=300, comments=30, seed=2)
        db.commit()
    counts.append(len(statements_of(app, client, f"{base}{page}")))
    assert counts[0] == counts[1]
