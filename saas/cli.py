"""Operator commands: `flask worker`, `flask cron`, `flask migrate`."""
import click
from flask import current_app
from rq import Worker
from rq.cron import CronScheduler

from saas.jobs import QUEUES, get_queue, redis_connection


def upgrade_database(url=None, revision="head"):
    """Apply the Alembic migrations (every one, or up to `revision`) to the configured database."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from saas.config import ROOT

    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url or current_app.config["DATABASE_URL"]
    command.upgrade(config, revision)


def register_commands(app):
    """Attach the commands to the app's CLI."""
    from tenants.monitoring.cli import mentions_cli
    from tenants.monitoring.sources_cli import sources_cli

    app.cli.add_command(mentions_cli)
    app.cli.add_command(sources_cli)

    @app.cli.command("worker")
    @click.argument("queues", nargs=-1)
    @click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
    def worker(queues, burst):
        """Run an RQ worker on the given queues (all of them by default)."""
        names = queues or QUEUES
        Worker([get_queue(name) for name in names], connection=redis_connection()).work(
            burst=burst, with_scheduler=True
        )

    @app.cli.command("cron")
    def cron():
        """Run the single scheduler that enqueues periodic jobs (saas/cron.py)."""
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("saas.cron")
        scheduler.start()

    @app.cli.command("migrate")
    def migrate():
        """Upgrade the database to the latest schema."""
        upgrade_database()
        click.echo("database is up to date")
