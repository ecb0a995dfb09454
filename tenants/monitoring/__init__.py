"""Monitoring: keywords, sources, fetching, matching, sentiment, mentions."""
from flask import Blueprint

# cli_group=None: its commands (`flask mentions`, `flask sources`) sit at the top of `flask`.
bp = Blueprint("monitoring", __name__, url_prefix="/a/<agency_slug>", cli_group=None)


def init_app(app):
    """Plug monitoring in: views, commands, the keyword limit, periodic jobs, the pipeline report."""
    from saas.billing.limits import register_counter
    from saas.jobs import periodic
    from saas.status import register_probe
    from tenants.monitoring import inbox_routes, routes, service, sources  # noqa: F401  (views attach to bp)
    from tenants.monitoring.cli import mentions_cli
    from tenants.monitoring.jobs import enqueue_due_sources, purge_old_source_items
    from tenants.monitoring.sources_cli import sources_cli

    register_counter("keywords", service.count_active_keywords, page=bp.name)
    bp.cli.add_command(mentions_cli)
    bp.cli.add_command(sources_cli)
    # The pipeline's tick (CRON_TICK_SECONDS): due sources are queued this often.
    periodic(enqueue_due_sources, interval=app.config["CRON_TICK_SECONDS"])
    periodic(purge_old_source_items, cron="41 3 * * *")
    register_probe("sources", sources.overdue_state, sources.overdue_problems, sources.overdue_line)
    app.register_blueprint(bp)
