"""The errors services raise: what went wrong in the domain's words, never an HTTP answer.

Services (tenants/*/service.py, saas/*/service.py) raise these; saas/errors.py is the one
place that maps them to an HTTP status and the error page, so a service called from a job or
a command behaves the same as from a view.
"""
from saas import db


class DomainError(Exception):
    """Something a service refuses; `status` is the HTTP answer saas/errors.py gives it."""

    status = 400

    def __init__(self, message=None):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """No such object in the current agency (another agency's objects do not exist here)."""

    status = 404


class Forbidden(DomainError):
    """The person's role does not allow this."""

    status = 403


class Conflict(DomainError):
    """The object's state does not allow this (any more)."""

    status = 409


def get(model, object_id):
    """Load one object of the current agency by id; raise NotFound when there is none."""
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj
