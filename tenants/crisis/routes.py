"""Crisis views: the crises, why an alert fired, a client's rules, a rule's log and backtest."""
from urllib.parse import urlsplit
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.pagecache import cached_page
from saas.forms import read
from saas.views import get_or_404
from saas.audit import service as audit_trail
from tenants.clients.models import Client
from tenants.crisis import badge, bp, charts, deliveries, explain, incidents, pages, service
from tenants.crisis.buckets import from_epoch
from tenants.crisis.forms import CloseCrisisForm, clean_rule_form
from tenants.crisis.models import AlertDelivery, AlertRule, Crisis, CrisisAlert

bp.add_app_template_global(explain.explained_parts, "crisis_parts")
bp.add_app_template_global(explain.raised_points, "crisis_raised_points")
bp.add_app_template_filter(explain.threshold_of, "crisis_threshold")
bp.add_app_template_filter(from_epoch, "crisis_moment")
bp.add_app_template_filter(charts.score_ring, "crisis_ring")
bp.add_app_template_filter(explain.window_end, "crisis_window_end")
bp.add_app_template_global(badge.open_crisis_count, "open_crisis_count")


@bp.get("/")
@cached_page
def index():
    """Every crisis of the agency (open ones first) and every alert rule."""
    return render_template("crisis/index.html", **pages.index_page())


@bp.get("/<int:crisis_id>")
def show_crisis(crisis_id):
    """A crisis: its alerts, its card, the close form."""
    return render_template("crisis/crisis.html", **pages.crisis_page(get_or_404(Crisis, crisis_id)))


@bp.post("/<int:crisis_id>/close")
def close_crisis(crisis_id):
    """Close a crisis: a person decides it is over; its card moves to done."""
    crisis = get_or_404(Crisis, crisis_id)
    if not crisis.is_open:
        flash(_("This crisis is already closed."), "info")
        return redirect(url_for("crisis.show_crisis", crisis_id=crisis.id))
    incidents.close_crisis(crisis, current_user, read(CloseCrisisForm, request.form)[0]["note"])
    flash(_("Crisis closed. Its card moved to the done column."), "success")
    return redirect(url_for("crisis.show_crisis", crisis_id=crisis.id))


@bp.get("/alerts/<int:alert_id>")
@cached_page
def show_alert(alert_id):
    """Why this alert fired: each part of the score, the chart, terms, sources and mentions."""
    return render_template("crisis/alert.html", **pages.alert_page(get_or_404(CrisisAlert, alert_id)))


@bp.get("/clients/<int:client_id>")
def client_alerts(client_id):
    """A client's crisis watch: the week's signal, its alert rules, its crises."""
    return render_template("crisis/client.html", **pages.client_page(get_or_404(Client, client_id)))


def _audit_webhook(rule_name, before, after):
    """Log a change of a rule's webhook: its host only (a webhook's path often holds a secret)."""
    if (before or None) != (after or None):
        host = lambda url: urlsplit(url).hostname if url else "—"  # noqa: E731
        audit_trail.record("webhook_changed", rule_name, {"from": host(before), "to": host(after)})


@bp.post("/clients/<int:client_id>/rules")
def create_rule(client_id):
    """Add an alert rule to a client; the form comes back filled in when something is wrong."""
    client = get_or_404(Client, client_id)
    values, errors = clean_rule_form(request.form, client)
    if errors:
        return render_template("crisis/client.html", **pages.client_page(client, request.form, errors)), 422
    rule = service.create_rule(client, values)
    _audit_webhook(rule.name, None, rule.webhook_url)
    flash(_("Alert rule “%(name)s” created.", name=rule.name), "success")
    return redirect(url_for("crisis.show_rule", rule_id=rule.id))


@bp.get("/rules/<int:rule_id>")
def show_rule(rule_id):
    """A rule: its settings, webhook signature, delivery log and backtest."""
    return render_template("crisis/rule.html", **pages.rule_page(get_or_404(AlertRule, rule_id)))


@bp.post("/rules/<int:rule_id>")
def update_rule(rule_id):
    """Save a rule's settings."""
    rule = get_or_404(AlertRule, rule_id)
    values, errors = clean_rule_form(request.form, rule.client)
    if errors:
        return render_template("crisis/rule.html", **pages.rule_page(rule, request.form, errors)), 422
    before = rule.webhook_url
    service.update_rule(rule, values)
    _audit_webhook(rule.name, before, rule.webhook_url)
    flash(_("Alert rule saved."), "success")
    return redirect(url_for("crisis.show_rule", rule_id=rule.id))


@bp.post("/rules/<int:rule_id>/delete")
def delete_rule(rule_id):
    """Delete a rule with its alerts and delivery log."""
    rule = get_or_404(AlertRule, rule_id)
    client_id = rule.client_id
    _audit_webhook(rule.name, rule.webhook_url, None)
    service.delete_rule(rule)
    flash(_("Alert rule deleted."), "success")
    return redirect(url_for("crisis.client_alerts", client_id=client_id))


@bp.post("/rules/<int:rule_id>/secret")
def rotate_secret(rule_id):
    """Give the rule's webhook a new signing secret."""
    rule = get_or_404(AlertRule, rule_id)
    service.rotate_secret(rule)
    flash(_("New signing secret made: update it on the receiving side."), "success")
    return redirect(url_for("crisis.show_rule", rule_id=rule.id))


@bp.get("/rules/<int:rule_id>/backtest")
def backtest(rule_id):
    """When the rule, or the settings being tuned, would have fired over stored history (a fragment)."""
    rule = get_or_404(AlertRule, rule_id)
    return render_template("crisis/_backtest.html", **pages.backtest_page(rule))


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id):
    """Send a failed delivery again."""
    delivery = get_or_404(AlertDelivery, delivery_id)
    if delivery.status != "failed":
        abort(409)
    deliveries.retry_delivery(delivery)
    flash(_("The delivery is sent again."), "success")
    return redirect(url_for("crisis.show_rule", rule_id=delivery.rule_id))
