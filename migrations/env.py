"""Alembic environment: migrates DATABASE_URL as the owner (never the app role)."""
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saas.config import Config  # noqa: E402
from saas.db import Base, make_engine  # noqa: E402
from saas import import_models  # noqa: E402

config = context.config
if config.config_file_name and not config.attributes.get("database_url"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
import_models()
target_metadata = Base.metadata
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or Config.DATABASE_URL


def run_migrations_offline():
    """Emit SQL without a database connection."""
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Apply the migrations over a connection."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename): with foreign keys on, dropping it would
            # cascade to the rows pointing at it. Off for the whole upgrade (SQLite ignores the PRAGMA inside a
            # transaction, so before the first one), then every key is checked once the upgrade is done.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            if broken:
                raise RuntimeError(f"SQLite: {len(broken)} rows point at rows that are gone: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
