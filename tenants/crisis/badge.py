"""The count of open crises on the "Crises" menu link, read with the page's other badges (saas/web.py).

The count is one scalar subquery of the layout's single SELECT, read just before a page renders (an htmx
fragment or a JSON answer never renders the layout, so it never pays for it). A view that already knows it
(the workspace home) hands it over with `remember()`, and the layout leaves it out.
"""
from flask import g, has_request_context

from saas import tenancy
from saas.web import layout, layout_count


def _staff_of_the_agency():
    """Tell whether the request is a signed-in staff member's page in an agency (never a guest's)."""
    membership, agency = g.get("membership"), g.get("agency")
    return (membership is not None and agency is not None and membership.role != "guest"
            and tenancy.current_agency_id() == agency.id)


@layout_count("open_crises")
def _open_crises(membership):
    if "open_crisis_count" in g or not _staff_of_the_agency():
        return None
    from tenants.crisis.incidents import open_crises_query

    return open_crises_query()


def open_crisis_count():
    """How many crises are open in the current agency (0 outside a staff page); templates only read it."""
    if not has_request_context():
        return 0
    if "open_crisis_count" in g:
        return g.open_crisis_count
    return layout("open_crises") if _staff_of_the_agency() else 0


def remember(count):
    """Hand over the count a view already has (so the layout asks nothing more)."""
    g.open_crisis_count = count
