"""The count of open crises on the "Crises" menu link: one cheap query per page, only when the menu is drawn.

The layout calls `open_crisis_count()` while it renders the staff menu of an agency; an htmx fragment or a
JSON answer never renders the layout, so it never pays for it. The count is kept on `g` for the rest of the
request, and a view that already knows it (the workspace home) can hand it over with `remember()`.
"""
from flask import g, has_request_context

from saas import tenancy


def _staff_of_the_agency():
    """Tell whether the request is a signed-in staff member's page in an agency (never a guest's)."""
    membership, agency = g.get("membership"), g.get("agency")
    return (membership is not None and agency is not None and membership.role != "guest"
            and tenancy.current_agency_id() == agency.id)


def open_crisis_count():
    """How many crises are open in the current agency (0 outside a staff page): computed once per request."""
    if not has_request_context():
        return 0
    if "open_crisis_count" not in g:
        from tenants.crisis.incidents import count_open_crises

        g.open_crisis_count = count_open_crises() if _staff_of_the_agency() else 0
    return g.open_crisis_count


def remember(count):
    """Hand over the count a view already has (so the menu asks nothing more)."""
    g.open_crisis_count = count
