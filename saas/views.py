"""What views share: load the current agency's objects or answer 404, allow a view to some roles.

A leaf of the platform (it imports only the database layer), so any view module of any
feature may use it without importing another feature or the request lifecycle (saas/web.py).
The htmx helpers are the other leaf views share: saas/htmx.py.
"""
import functools

from flask import abort, g
from sqlalchemy import select

from saas import db


def guest_allowed(view):
    """Mark a workspace view that invited guests may open."""
    view.guest_allowed = True
    return view


def guests_go_to(endpoint):
    """Mark a staff view whose guests are sent to `endpoint` (a portal view) instead of a 404."""

    def mark(view):
        view.guests_go_to = endpoint
        return view

    return mark


def get_or_404(model, object_id):
    """Load one object of the current agency by id, or answer 404."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_all_or_404(model, ids):
    """Load objects of the current agency by id; answer 404 when one is missing or foreign."""
    if not ids:
        return []
    found = db.session.scalars(select(model).where(model.id.in_(ids))).all()
    if len(found) != len(set(ids)):
        abort(404)
    return found


def require_role(*roles):
    """Allow a workspace view only to members with one of `roles` (else 403)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.membership.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
