"""The architecture holds: `make lint` checks the import contracts; this checks what imports alone cannot."""
import subprocess
import sys

from saas.jobs import PERIODIC

MODELS = ("saas.auth.models", "saas.billing.models", "tenants.boards.models", "tenants.boards.notifications.models",
          "tenants.clients.models", "tenants.crisis.models", "tenants.guests.models", "tenants.monitoring.models")


def test_importing_the_models_loads_no_view():
    """A blueprint package's __init__ imports no view: loading a model (a job, a migration) drags none in."""
    code = ("import sys\n" + "".join(f"import {name}\n" for name in MODELS)
            + "print('\\n'.join(m for m in sys.modules if m.startswith(('saas', 'tenants'))"
              " and (m.rsplit('.', 1)[-1].endswith(('routes', 'views', 'session_views', 'members')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_features_plug_in_through_the_app_factory(app):
    """Each feature's commands, periodic jobs and limit counters are there once the app is built."""
    commands = set(app.cli.list_commands(None))
    assert {"mentions", "sources", "worker", "cron", "status", "migrate"} <= commands
    assert {"tenants.monitoring.pipeline.jobs.enqueue_due_sources", "tenants.crisis.jobs.detect_crises",
            "saas.auth.jobs.purge_stale_invitations"} <= set(PERIODIC)
    from saas.billing.limits import COUNTERS

    assert set(COUNTERS) == {"clients", "keywords", "seats"}


def test_every_benchmark_still_imports():
    """`make bench` runs scripts no other test imports: a module moved under them must not go unnoticed."""
    import importlib
    from pathlib import Path

    for script in sorted((Path(__file__).resolve().parent.parent / "benchmarks").glob("bench_*.py")):
        importlib.import_module(f"benchmarks.{script.stem}")
