"""Every periodic job, registered in this one place; `flask cron` enqueues them.

Each job is idempotent, so a restart of the cron process or a late run is harmless.
"""
from rq import cron

from saas.auth.jobs import purge_stale_invitations

cron.register(purge_stale_invitations, queue_name=purge_stale_invitations.queue_name, cron="17 3 * * *")
