"""Operator commands of the platform: `flask worker`, `flask cron`, `flask status`, `flask migrate`."""
import click
from flask import current_app

from saas.jobs import QUEUES


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
    """Attach the platform's commands to the app's CLI (a feature adds its own on its blueprint's `cli`)."""

    @app.cli.command("worker")
    @click.argument("queues", nargs=-1)
    @click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
    def worker(queues, burst):
        """Run an RQ worker on the given queues (all of them by default); it waits out Redis outages."""
        from saas.processes import run_worker

        run_worker(queues or QUEUES, burst=burst, job_heartbeat=current_app.config["JOB_HEARTBEAT_SECONDS"])

    @app.cli.command("cron")
    def cron():
        """Run the single cron process: periodic jobs (saas/cron.py) and the pipeline's sweep."""
        from saas.processes import run_cron

        run_cron(current_app.config["CRON_TICK_SECONDS"])

    @app.cli.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    def status(as_json):
        """Show the job pipeline: queues, failed and abandoned jobs, workers, cron, overdue sources.

        Exits with 1 when the pipeline is stalled.
        """
        import json

        from saas.status import format_status, pipeline_status

        report = pipeline_status()
        click.echo(json.dumps(report, indent=2) if as_json else format_status(report))
        raise SystemExit(0 if report["status"] == "ok" else 1)

    @app.cli.command("migrate")
    def migrate():
        """Upgrade the database to the latest schema."""
        upgrade_database()
        click.echo("database is up to date")

    @app.cli.group("db")
    def db_cli():
        """Database operations beyond migrations."""

    @db_cli.command("distribute")
    @click.option("--shard-count", default=None, type=click.IntRange(1, 1024),
                  help="Shards per distributed table (default 32).")
    def distribute(shard_count):
        """Apply the distribution plan (saas/distribution.py) on a migrated Citus coordinator."""
        from saas import distribution
        from saas.db import Base, make_engine

        engine = make_engine(current_app.config["DATABASE_URL"])  # as the owner, never the app role
        try:
            with engine.begin() as conn:
                done = distribution.distribute(
                    conn, Base.metadata, shard_count or distribution.SHARD_COUNT,
                    app_roles=(current_app.config["DATABASE_APP_ROLE"], "relais_search"), echo=click.echo)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            engine.dispose()
        click.echo(f"distribution plan applied ({len(done)} table(s) changed)")
