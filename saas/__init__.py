"""Relais: the application factory."""
import logging

from flask import Flask

from saas.config import INSTANCE, ROOT, Config


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
    from saas import assets, db, errors, models, params, web
    from saas.extensions import babel, csrf, login_manager
    from saas import i18n

    params.init_app(app)  # first: path converters before any route, the NUL check before any other hook
    models.import_all()
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

    from saas.auth import bp as auth_bp
    from saas.auth.members import bp as members_bp
    from saas.billing import bp as billing_bp
    from saas.health import bp as health_bp
    from saas.i18n import bp as i18n_bp
    from tenants.boards import bp as boards_bp
    from tenants.boards.notifications import bp as notifications_bp
    from tenants.clients import bp as clients_bp
    from tenants.crisis import bp as crisis_bp
    from tenants.monitoring import bp as monitoring_bp
    from tenants.workspace import bp as workspace_bp

    for blueprint in (auth_bp, members_bp, health_bp, i18n_bp, workspace_bp, clients_bp, billing_bp, monitoring_bp):
        app.register_blueprint(blueprint)
    for blueprint in (boards_bp, notifications_bp, crisis_bp):
        app.register_blueprint(blueprint)
    from tenants.guests import bp as guests_bp
    from tenants.guests import portal_bp

    for blueprint in (guests_bp, portal_bp):
        app.register_blueprint(blueprint)

    from saas import ratelimit

    ratelimit.init_app(app)  # after the blueprints: it binds the limits their views declare
    from saas.cli import register_commands

    register_commands(app)
    if app.config["TRUST_PROXY"]:  # outermost, so every layer sees the client's scheme and address
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return app
