"""The workspace home page."""
from flask import g, render_template

from saas.auth import service as accounts
from saas.web import guests_go_to
from tenants.boards.queries import workspace_counts
from tenants.clients import service as clients
from tenants.workspace import bp


@bp.get("/")
@guests_go_to("portal.home")
def home():
    """The agency's clients at a glance, its team, and what to do next (a guest is sent to the portal)."""
    active, archived = clients.count_clients()
    return render_template(
        "workspace/home.html",
        clients=clients.list_clients()[:24],
        active_count=active, archived_count=archived,
        members=accounts.members_of_agency(),
        board_summary=workspace_counts(g.membership),
    )
