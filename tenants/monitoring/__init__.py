"""Monitoring: keywords, sources, fetching, matching, sentiment, mentions.

Three sub-packages around the models (models.py) and the agency's operations (service.py,
mention_cards.py): `web` (the settings pages, the inbox, its search and exports), `pipeline`
(sources, fetching, ingesting, jobs, `flask sources`) and `language` (keyword queries and
matching, language detection, sentiment, `flask mentions`). web builds on pipeline, which builds
on language (the `monitoring` contract in pyproject.toml).
"""
from flask import Blueprint

# cli_group=None: its commands (`flask mentions`, `flask sources`) sit at the top of `flask`.
bp = Blueprint("monitoring", __name__, url_prefix="/a/<agency_slug>", cli_group=None)


def init_app(app):
    """Plug monitoring in: views, commands, the keyword limit, periodic jobs, the pipeline report."""
    from saas.billing.limits import register_counter
    from saas.jobs import periodic
    from saas.status import register_probe
    from tenants.monitoring import service
    from tenants.monitoring.pipeline import sources
    from tenants.monitoring.web import competitor_routes, inbox_routes, routes  # noqa: F401  (the views attach themselves to bp)
    from tenants.monitoring.language.cli import mentions_cli
    from tenants.monitoring.pipeline.jobs import enqueue_due_sources, purge_old_source_items
    from tenants.monitoring.pipeline.cli import sources_cli

    register_counter("keywords", service.active_keywords_query, page=bp.name)
    bp.cli.add_command(mentions_cli)
    bp.cli.add_command(sources_cli)
    # The pipeline's tick (CRON_TICK_SECONDS): due sources are queued this often.
    periodic(enqueue_due_sources, interval=app.config["CRON_TICK_SECONDS"])
    periodic(purge_old_source_items, cron="41 3 * * *")
    register_probe("sources", sources.overdue_state, sources.overdue_problems, sources.overdue_line)
    app.register_blueprint(bp)
