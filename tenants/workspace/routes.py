"""The workspace home page."""
from flask import g, render_template

from saas.pagecache import cached_page
from saas.auth import service as accounts
from saas.views import guests_go_to
from tenants.boards.queries import workspace_counts
from tenants.clients import service as clients
from tenants.crisis import badge
from tenants.workspace import bp, pulse


@bp.get("/")
@guests_go_to("portal.home")
@cached_page
def home():
    """The agency's clients at a glance: open crises first, today's mentions per client, its team, and what to do
    next (a guest is sent to the portal). A constant number of queries, whatever the number of clients."""
    active, archived = clients.count_clients()
    active_clients = clients.list_clients()
    pulses, open_count = pulse.client_pulses(active_clients)
    badge.remember(open_count)  # the menu's count, known already: no second query
    return render_template(
        "workspace/home.html",
        clients=active_clients[:24], pulses=pulses, open_count=open_count,
        active_count=active, archived_count=archived,
        members=accounts.members_of_agency(),
        board_summary=workspace_counts(g.membership),
    )
