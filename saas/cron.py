"""The periodic jobs, as RQ's cron config: `flask cron` loads this module (app context needed).

The jobs are those registered with saas.jobs.periodic: the platform's and each feature's,
declared in their init_app (the app factory, saas/__init__.py, plugs the features in).
Each job is idempotent, so a restart of the cron process or a late run is harmless.
"""
from rq import cron

from saas.jobs import PERIODIC

for _job, _schedule in PERIODIC.values():
    cron.register(_job, queue_name=_job.queue_name, **_schedule)
