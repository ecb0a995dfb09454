"""Every periodic job, registered in this one place; `flask cron` enqueues them.

Each job is idempotent, so a restart of the cron process or a late run is harmless.
"""
from flask import current_app, has_app_context
from rq import cron

from saas.auth.jobs import purge_ended_sessions, purge_stale_invitations
from saas.config import Config
from tenants.boards.notifications.jobs import remind_due_cards, send_notification_digests
from tenants.crisis.jobs import detect_crises, send_alert_digests
from tenants.monitoring.jobs import enqueue_due_sources, purge_old_source_items

# The pipeline's tick (CRON_TICK_SECONDS): due sources are queued this often.
TICK_SECONDS = current_app.config["CRON_TICK_SECONDS"] if has_app_context() else Config.CRON_TICK_SECONDS

cron.register(purge_stale_invitations, queue_name=purge_stale_invitations.queue_name, cron="17 3 * * *")
cron.register(purge_ended_sessions, queue_name=purge_ended_sessions.queue_name, cron="23 * * * *")
cron.register(remind_due_cards, queue_name=remind_due_cards.queue_name, cron="*/15 * * * *")
cron.register(send_notification_digests, queue_name=send_notification_digests.queue_name, cron="0 7 * * *")
cron.register(enqueue_due_sources, queue_name=enqueue_due_sources.queue_name, interval=TICK_SECONDS)
cron.register(purge_old_source_items, queue_name=purge_old_source_items.queue_name, cron="41 3 * * *")
cron.register(detect_crises, queue_name=detect_crises.queue_name, cron="*/5 * * * *")
cron.register(send_alert_digests, queue_name=send_alert_digests.queue_name, cron="30 7 * * *")
