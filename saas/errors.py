"""Error pages: a clear message in the user's language, never a stack trace."""
import logging

from flask import has_request_context, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from saas import db, htmx
from saas.domain import DomainError

log = logging.getLogger("relais.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    403: (_l("Not allowed"), _l("Your role in this agency does not allow this action.")),
    404: (_l("Page not found"), _l("This page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    410: (_l("Link no longer valid"), _l("This link has expired or has already been used.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. The team has been told; please try again.")),
}


API_PREFIX = "/api/"
API_MESSAGES = {
    401: (_l("Not authenticated"), _l("Send a valid API token: Authorization: Bearer rls_…")),
    402: (_l("Read-only workspace"), _l("This workspace is read-only for now (billing): reads work, writes are refused.")),
    403: (_l("Not allowed"), _l("This token's scope does not allow this action.")),
    404: (_l("Not found"), _l("This resource does not exist, or the token cannot see it.")),
    409: (_l("Not ready"), _l("This resource is not in a state that allows it yet. Try again later.")),
    422: (_l("Invalid data"), _l("Some values are missing or not valid.")),
    429: (_l("Too many requests"), _l("This token sent too many requests. Wait, then try again.")),
}


def problem(code, message=None, errors=None):
    """An RFC 9457 problem (application/problem+json) for an API request."""
    title, default = API_MESSAGES.get(code) or MESSAGES.get(code, MESSAGES[400])
    body = {"type": "about:blank", "title": str(title), "status": code, "detail": str(message or default)}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    response.mimetype = "application/problem+json"
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="relais"'
    return response


def render_error(code, message=None, errors=None):
    """Render the error page (or fragment, for htmx) for an HTTP status; a problem+json under /api/."""
    if has_request_context() and request.path.startswith(API_PREFIX):
        return problem(code, message, errors)
    title, default = MESSAGES.get(code, MESSAGES[400])
    template = "errors/_error.html" if htmx.is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default), code


def init_app(app):
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if htmx.csrf_failed_without_session():  # not a form error: the page's session has ended
            return htmx.session_ended()
        return render_error(400, _l("Your session form expired or is missing its security token. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(exc):  # the one place that turns a service's refusal into an HTTP answer
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc):
        message = exc.description if getattr(exc, "relais_message", False) else None
        errors = (getattr(exc, "data", None) or {}).get("messages")  # webargs' field errors (the API)
        return render_error(exc.code or 500, message, errors)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
