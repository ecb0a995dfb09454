"""Relais: the application factory, the composition root.

The one module of the platform that names the features (tenants/*): it imports their models
and plugs each one in through its `init_app`, which registers its blueprint, its plan-limit
counters, its commands, its periodic jobs and its signal receivers. Nothing else under saas/
imports a feature (the import-linter contracts in pyproject.toml check it).
"""
import logging

from flask import Flask

from saas.config import INSTANCE, ROOT, Config


def import_models():
    """Import every model module, so the metadata (and Alembic) sees every table."""
    import saas.audit.models  # noqa: F401
    import saas.auth.models  # noqa: F401
    import saas.billing.models  # noqa: F401
    import tenants.api.models  # noqa: F401
    import tenants.api.webhooks.models  # noqa: F401
    import tenants.boards.models  # noqa: F401
    import tenants.boards.notifications.models  # noqa: F401
    import tenants.clients.models  # noqa: F401
    import tenants.crisis.models  # noqa: F401
    import tenants.dashboards.models  # noqa: F401
    import tenants.guests.models  # noqa: F401
    import tenants.monitoring.models  # noqa: F401
    import tenants.press.models  # noqa: F401


def features():
    """The features, in the order their blueprints are registered."""
    import tenants.api
    import tenants.boards
    import tenants.boards.notifications
    import tenants.clients
    import tenants.crisis
    import tenants.dashboards
    import tenants.guests
    import tenants.monitoring
    import tenants.press
    import tenants.workspace

    return (tenants.workspace, tenants.clients, tenants.monitoring, tenants.boards, tenants.boards.notifications,
            tenants.crisis, tenants.dashboards, tenants.guests, tenants.api, tenants.press)


def create_app(config=None):
    """Build the Flask app: configuration, extensions, blueprints."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    app.config.from_object(config or Config)
    if not app.config["SECRET_KEY"]:
        from saas.config import instance_secret_key

        app.config["SECRET_KEY"] = instance_secret_key()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from saas import assets, db, errors, pagecache, params, web  # noqa: F401 (pagecache: its listeners count writes)
    from saas.extensions import babel, csrf, login_manager
    from saas import i18n

    params.init_app(app)  # first: path converters before any route, the NUL check before any other hook
    import_models()
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: i18n.agency_zone().key)
    i18n.init_app(app)
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    login_manager.init_app(app)
    web.init_app(app)
    assets.init_app(app)
    errors.init_app(app)

    from saas import audit, auth, billing, gdpr, health

    auth.init_app(app)
    from saas.auth.two_factor_views import second_factor_required

    web.guard_agency(second_factor_required)
    audit.init_app(app)
    for blueprint in (health.bp, i18n.bp):
        app.register_blueprint(blueprint)
    gdpr.init_app(app)  # before billing: a deleted agency's read-only guard speaks first
    billing.init_app(app)
    for feature in features():
        feature.init_app(app)

    from saas import ratelimit

    ratelimit.init_app(app)  # after the blueprints: it binds the limits their views declare
    from saas.cli import register_commands

    register_commands(app)
    if app.config["TRUST_PROXY"]:  # outermost, so every layer sees the client's scheme and address
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app
