"""/api/v1/: flask-smorest blueprints on the app, bearer tokens only, a rate limit per token, problem+json errors.

flask-smorest generates the OpenAPI 3.1 document from the views' marshmallow schemas
(/api/v1/openapi.json); /api/v1/docs renders it as a page of our own (no third-party script).
A token sets the request's agency through saas.tenancy, like a workspace URL does, so the
central scoping and row-level security apply. Cookies never authenticate an API call, so
CSRF does not apply: the blueprints are exempt.
"""
import hashlib
import time

from flask import Blueprint, current_app, render_template, request
from flask_limiter.util import get_remote_address
from flask_smorest import Api

from saas.extensions import csrf

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


class RelaisApi(Api):
    """flask-smorest's Api without its app-wide error handlers: saas.errors answers problem+json under /api/."""

    def _register_error_handlers(self):
        pass


def rate_key():
    """The rate-limit key: the token (its hash), else the client's address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return get_remote_address()


def rate():
    """API_RATE_LIMIT, read at each request."""
    return current_app.config["API_RATE_LIMIT"]


def rate_headers(response):
    """RateLimit-Limit / -Remaining / -Reset (IETF draft) from this request's counter."""
    limiter = current_app.extensions["relais_limiter"]
    current = limiter.current_limit
    if current is not None:
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(current.remaining)
        response.headers["RateLimit-Reset"] = str(max(0, int(current.reset_at - time.time())))
        response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={current.limit.get_expiry()}"
    return response


@docs_bp.get("/docs")
def docs():
    """The API's documentation, rendered from the OpenAPI document."""
    return render_template("api/docs.html", spec=current_app.extensions["relais_api"].spec.to_dict())


def init_app(app):
    """Plug the API in: spec settings, blueprints, authentication, CSRF exemption, rate limit."""
    from tenants.api.v1 import report_routes, routes

    for key, value in {"API_TITLE": "Relais API", "API_VERSION": "v1", "OPENAPI_VERSION": "3.1.0",
                       "OPENAPI_URL_PREFIX": "/api/v1", "OPENAPI_JSON_PATH": "openapi.json"}.items():
        app.config.setdefault(key, value)
    app.config.setdefault("API_RATE_LIMIT", "300 per minute")
    api = RelaisApi()  # one per app (a process may build several: the tests do), each with its document
    api.init_app(app, spec_kwargs={"info": {"description": "Bearer token: Authorization: Bearer rls_…"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.extensions["relais_api"] = api
    blueprints = (*routes.BLUEPRINTS, *report_routes.BLUEPRINTS)
    _hook(blueprints, routes.authenticate)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)


def _hook(blueprints, authenticate):
    """Authentication, rate headers, rate limit and CSRF exemption on the blueprints: once per process (a
    blueprint takes no new hook once registered)."""
    for blueprint in blueprints:
        if getattr(blueprint, "relais_hooked", False):
            continue
        blueprint.before_request(authenticate)
        blueprint.after_request(rate_headers)
        blueprint.rate_limits = {"rate": rate, "key": rate_key}
        csrf.exempt(blueprint)
        blueprint.relais_hooked = True

