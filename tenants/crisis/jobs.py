"""Periodic crisis work: the detector pass of every agency, and the daily digests.

Both span agencies the only way allowed: they list the agencies, then work inside
`tenancy.agency_scope(agency_id)` one agency at a time, each in its own transaction, so
one agency's failure neither blocks the others nor undoes their alerts.
"""
import logging

from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.jobs import task
from tenants.crisis.deliveries import plan_digests
from tenants.crisis.detection import run_pass
from tenants.crisis.models import AlertRule

log = logging.getLogger("relais.crisis")


def for_each_agency(agency_ids, work):
    """Run `work()` in each agency's scope and commit it; log and skip an agency that fails."""
    results, failed = {}, []
    for agency_id in agency_ids:
        try:
            with tenancy.agency_scope(agency_id):
                results[agency_id] = work()
                db.commit()
        except Exception:
            db.session.rollback()
            log.exception("crisis work failed for agency %s", agency_id)
            failed.append(agency_id)
    return results, failed


@task(queue="monitoring", timeout=900)
def detect_crises(now=None):
    """Run one detector pass for every agency (a pass that died is redone by the next run)."""
    agency_ids = db.session.scalars(select(Agency.id).order_by(Agency.id)).all()
    db.commit()
    results, failed = for_each_agency(agency_ids, lambda: run_pass(now))
    alerts = sum(len(report.alerts) for report in results.values())
    return {"agencies": len(results), "alerts": alerts, "failed": failed}


@task(queue="default")
def send_alert_digests(now=None):
    """Queue the daily alert digest of every rule that asks for one."""
    with tenancy.all_agencies():
        agency_ids = db.session.scalars(select(AlertRule.agency_id).where(AlertRule.notify_digest.is_(True))
                                        .distinct()).all()
    db.commit()
    results, failed = for_each_agency(sorted(agency_ids), lambda: plan_digests(now))
    return {"digests": sum(results.values()), "failed": failed}
