"""Jobs: one enqueue helper with unique ids, periodic jobs in one place, run by real workers."""
import os
import signal
from datetime import timedelta

from rq import SimpleWorker
from rq import cron_scheduler_registry
from rq.cron import CronScheduler
from sqlalchemy import func, select

from saas import db, tenancy
from saas.auth import service as accounts
from saas.auth.jobs import purge_stale_invitations
from saas.auth.models import Invitation, User
from saas import processes
from saas.jobs import enqueue, get_queue, redis_connection


def test_enqueue_with_job_id_is_unique_while_pending(app):
    with app.app_context():
        first = enqueue(purge_stale_invitations, job_id="purge-once")
        second = enqueue(purge_stale_invitations, job_id="purge-once")
        assert first.id == second.id
        assert get_queue("default").count == 1


def test_cron_config_registers_the_periodic_jobs(app):
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("saas.cron")
        names = {job.func_name for job in scheduler.get_jobs()}
    assert {"saas.auth.jobs.purge_stale_invitations", "tenants.monitoring.pipeline.jobs.enqueue_due_sources",
            "tenants.monitoring.pipeline.jobs.purge_old_source_items"} <= names


class TickedAgain(BaseException):
    """Ends a cron loop that missed its stop (a BaseException: the loop's `except Exception` does not hold it)."""


def test_the_cron_stops_at_once_when_sigterm_lands_in_the_middle_of_a_tick(app, monkeypatch):
    """`make run`'s Ctrl-C (or a supervisor's SIGTERM) may arrive while a tick runs: the cron stops then and there,
    instead of taking the stop for a failed tick and sleeping until it is killed."""
    sweeps = []

    def sweep(queues):
        sweeps.append(len(queues))
        if len(sweeps) > 1:  # a second tick: the stop was swallowed
            raise TickedAgain("the cron went on ticking after SIGTERM")
        os.kill(os.getpid(), signal.SIGTERM)  # the real signal, handled as the process handles it

    monkeypatch.setattr(processes.recovery, "sweep", sweep)
    previous = signal.getsignal(signal.SIGTERM)
    with app.app_context():  # the app's Redis: the suite's, or a fresh machine's embedded one (make test-offline)
        processes.run_cron(tick_seconds=1)
        assert cron_scheduler_registry.get_keys(redis_connection()) == []  # it said goodbye (register_death)
    assert sweeps == [len(processes.QUEUES)]
    assert signal.getsignal(signal.SIGTERM) == previous  # its handlers restored on the way out


def test_purge_job_removes_stale_invitations_of_every_agency(app, make_agency):
    agencies = [make_agency("Agence Alpha"), make_agency("Agence Beta")]
    with app.app_context():
        for agency in agencies:
            with tenancy.agency_scope(agency.id):
                owner = db.session.get(User, agency.owner_id)
                old = accounts.create_invitation("old@x.test", "member", "rp", owner)
                old.expires_at -= timedelta(days=60)
                accounts.create_invitation("fresh@x.test", "member", "rp", owner)
                db.commit()
        enqueue(purge_stale_invitations)
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
        with tenancy.all_agencies():
            emails = sorted(db.session.scalars(select(Invitation.email)).all())
            assert emails == ["fresh@x.test", "fresh@x.test"]
            assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2
