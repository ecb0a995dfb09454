"""Import every model module so the metadata (and Alembic) sees every table."""


def import_all():
    """Import the model modules of the platform and of every tenant feature."""
    import saas.auth.models  # noqa: F401
    import saas.billing.models  # noqa: F401
    import tenants.clients.models  # noqa: F401
    import tenants.monitoring.models  # noqa: F401
    import tenants.boards.models  # noqa: F401
    import tenants.boards.notifications.models  # noqa: F401
    import tenants.guests.models  # noqa: F401
    import tenants.crisis.models  # noqa: F401
