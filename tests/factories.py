"""Data for tests: a populated agency (client, extra member, pending invitation)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from saas import db, tenancy
from saas.db import utcnow
from saas.auth import service as accounts
from saas.auth.models import Membership
from tenants.clients.models import Client


def watched_client(name="Danone", query=None):
    """A client watched by one keyword (its name unless `query`), in the current agency scope: (client, keyword)."""
    from tenants.monitoring.models import Keyword

    brand = Client(name=name)
    db.session.add(brand)
    db.session.flush()
    keyword = Keyword(client_id=brand.id, query=name if query is None else query, backfill_state="done")
    db.session.add(keyword)
    db.session.flush()
    return brand, keyword


@dataclass
class Populated:
    """Ids of the objects an agency holds, by URL parameter name."""

    agency: object
    ids: dict
    client_name: str


def populate(app, agency, prefix):
    """Give an agency a client, a second member and a pending invitation."""
    from tests.conftest import PASSWORD

    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name=f"{prefix} Client", sector="Food", website=f"https://{prefix.lower()}.example")
        db.session.add(client)
        user = accounts.register_user(f"member@{agency.slug}.test", f"{prefix} Member", PASSWORD)
        membership = Membership(user_id=user.id, role="member", pole="cm")
        db.session.add(membership)
        owner = db.session.get(accounts.User, agency.owner_id)
        invitation = accounts.create_invitation(f"invitee@{agency.slug}.test", "member", "rp", owner)
        db.session.flush()
        ids = {"client_id": client.id, "membership_id": membership.id, "invitation_id": invitation.id}
        ids.update(populate_boards(client, membership, owner, prefix))
        ids.update(populate_monitoring(client, prefix))
        ids.update(populate_competitors(client, prefix))
        ids.update(populate_crisis(client, membership, prefix))
        ids.update(populate_guests(agency.slug, client, owner, ids, prefix))
        ids.update(populate_api(agency.id, owner, prefix))
        ids.update(populate_webhooks(prefix))
        ids.update(populate_press(client, owner, prefix))
        ids.update(populate_reports(client, owner, membership, prefix))
        db.commit()
    return Populated(agency, ids, client.name)


def give_logo(app, agency_id, colour=(14, 147, 132)):
    """Give an agency a logo (a small PNG drawn with Pillow, kept as the upload would keep it)."""
    import io

    from PIL import Image

    from saas.auth import logo
    from saas.auth.models import Agency

    out = io.BytesIO()
    Image.new("RGB", (120, 40), colour).save(out, "PNG")
    with app.app_context():
        logo.set_logo(db.session.get(Agency, agency_id), out.getvalue())
        db.commit()


def populate_boards(client, member, owner, prefix):
    """Give the client a board whose card carries every kind of child, and notify both people."""
    from tenants.boards import cards, details, service
    from tenants.boards.labels import create_label
    from tenants.boards.notifications.service import notify_members

    board = service.get_or_create_board(client)
    column = service.list_columns(board)[0]
    label = create_label({"name": f"{prefix} Urgent", "color": "#ef4444"})
    card = cards.create_card(board, column, {"title": f"{prefix} Launch card", "pole": "both"}, owner, [member], [label])
    comment = details.add_comment(board, card, f"{prefix} comment", owner, [])
    item = details.add_checklist_item(board, card, f"{prefix} step", owner)
    link = details.add_link(board, card, {"url": f"https://{prefix.lower()}.example/brief", "title": ""}, owner)
    owner_membership = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
    notification = notify_members([owner_membership], "mentioned", card, member.user)[0]
    return {"card_id": card.id, "column_id": column.id, "label_id": label.id, "comment_id": comment.id,
            "item_id": item.id, "link_id": link.id, "notification_id": notification.id}


def populate_monitoring(client, prefix):
    """Give the client a keyword, a followed feed and a mention."""
    from saas.db import utcnow
    from tenants.monitoring import service, tags
    from tenants.monitoring.models import Mention

    keyword = service.create_keyword(client.id, f"{prefix} brand", None)
    source = service.follow_feed(client.id, f"https://{prefix.lower()}.example/feed.xml")
    mention = Mention(client_id=client.id, keyword_id=keyword.id, source_id=source.id, source_kind="rss",
                      item_key=f"{prefix}-item", title=f"{prefix} Client mention", excerpt="", published_at=utcnow())
    db.session.add(mention)
    db.session.flush()
    tags.add(mention, f"{prefix} tag", None)
    return {"keyword_id": keyword.id, "source_id": source.id, "mention_id": mention.id}


def populate_competitors(client, prefix):
    """Give the client a competitor with a keyword and a mention it found."""
    from saas.db import utcnow
    from tenants.monitoring import competitors
    from tenants.monitoring.models import CompetitorMention

    competitor = competitors.create_competitor(client.id, f"{prefix} Rival")
    keyword = competitors.add_keyword(competitor, f"{prefix} rival brand", None)
    keyword.backfill_state = "done"
    db.session.add(CompetitorMention(client_id=client.id, competitor_id=competitor.id, keyword_id=keyword.id,
                                     source_kind="rss", item_key=f"{prefix}-rival", title=f"{prefix} Rival mention",
                                     published_at=utcnow()))
    db.session.flush()
    return {"competitor_id": competitor.id, "competitor_keyword_id": keyword.id}


def populate_crisis(client, member, prefix):
    """Give the client an alert rule that fired once: its crisis, the alert and a failed delivery."""
    from saas.db import utcnow
    from tenants.crisis.models import AlertDelivery, AlertRule, Crisis, CrisisAlert

    rule = AlertRule(client_id=client.id, name=f"{prefix} crisis watch", secret="s" * 48, recipient_ids=[member.id])
    crisis = Crisis(client_id=client.id)
    db.session.add_all([rule, crisis])
    db.session.flush()
    alert = CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=utcnow(), score=72.0,
                        evidence={"sensitivity": "medium", "parts": {}, "chart": []})
    db.session.add(alert)
    db.session.flush()
    delivery = AlertDelivery(rule_id=rule.id, alert_id=alert.id, channel="email", target=member.user.email,
                             key=f"alert:{alert.id}:email", status="failed", attempts=4)
    db.session.add(delivery)
    db.session.flush()
    return {"rule_id": rule.id, "crisis_id": crisis.id, "alert_id": alert.id, "delivery_id": delivery.id}


def populate_guests(slug, client, owner, ids, prefix):
    """Share the card and the mention with the client; give the client a guest and a pending guest invitation."""
    from tests.conftest import PASSWORD
    from tenants.boards.models import BoardCard
    from tenants.guests import service as guests
    from tenants.monitoring.models import Mention

    card = db.session.get(BoardCard, ids["card_id"])
    card.client_visible = True
    db.session.get(Mention, ids["mention_id"]).shared_with_client = True
    user = accounts.register_user(f"guest@{slug}.test", f"{prefix} Guest", PASSWORD)
    guest = Membership(user_id=user.id, role="guest")
    db.session.add(guest)
    db.session.flush()
    guests.set_guest_clients(guest, [client])
    invitation = guests.invite_guest(f"guest.invitee@{slug}.test", [client], owner)
    return {"guest_membership_id": guest.id, "guest_invitation_id": invitation.id}


def populate_api(agency_id, owner, prefix):
    """Give the agency a read-and-write API token for every client: its id and its secret ("api_token")."""
    from tenants.api import tokens

    row, secret = tokens.create_token(agency_id, f"{prefix} integration", "write", None, 0, owner)
    return {"token_id": row.id, "api_token": secret}


def populate_webhooks(prefix):
    """Give the agency a webhook endpoint (an address nothing answers) and a failed delivery in its log."""
    from tenants.api.webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint(url=f"https://{prefix.lower()}.example/hook", description=f"{prefix} BI",
                               events=["card.created"], sentiments=[], secret="whsec_" + "A" * 44)
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=f"msg_{prefix}", event_type="card.created",
                               body="{}", status="failed", attempts=8)
    db.session.add(delivery)
    db.session.flush()
    return {"endpoint_id": endpoint.id, "webhook_delivery_id": delivery.id}


def populate_press(client, owner, prefix):
    """Give the agency a press contact linked to the client, a media list holding it and a finished import."""
    from tenants.press import service
    from tenants.press.models import ContactImport

    contact = service.create_contact({"first_name": prefix, "last_name": "Journaliste", "outlets": [f"{prefix} Matin"],
                                      "beats": ["Tech"], "emails": [f"journaliste@{prefix.lower()}.example"]},
                                     [client.id])
    media_list = service.create_list({"name": f"{prefix} list", "campaign": "", "client_id": client.id,
                                      "filters": {"beat": "Tech"}})
    service.add_members(media_list, [contact])
    job = ContactImport(filename=f"{prefix}.csv", file_kind="csv", headers=["Nom"], mapping={"0": "full_name"},
                        state="done", total=1, processed=1, created=1, created_by_id=owner.id)
    db.session.add(job)
    db.session.flush()
    return {"contact_id": contact.id, "list_id": media_list.id, "import_id": job.id,
            **populate_press_release(client, owner, media_list, prefix)}


def populate_press_release(client, owner, media_list, prefix):
    """Give the client a press release (with its board card) and a finished send to the list, one recipient failed."""
    from tenants.press import releases, sending
    from tenants.press.models import PressReply, PressSendRecipient

    release = releases.create_release({"client_id": client.id, "title": f"{prefix} launch", "body": "**News**",
                                       "images": [], "attachments": [], "embargo_at": None, "language": "fr"}, owner)
    release.state = "approved"
    send = sending.start_send(release, media_list, owner)
    db.session.flush()
    for recipient in db.session.query(PressSendRecipient).filter_by(send_id=send.id):
        recipient.status = "failed"
    send.state = "done"
    db.session.flush()
    contact = media_list_contact(media_list)
    reply = PressReply(contact_id=contact, release_id=release.id, received_at=utcnow(), channel="phone",
                       outcome="interested", note=f"{prefix} calls back", created_by_id=owner.id)
    db.session.add(reply)
    db.session.flush()
    return {"release_id": release.id, "send_id": send.id, "reply_id": reply.id,
            **populate_press_coverage(release, owner, prefix)}


def media_list_contact(media_list):
    """The id of a contact a media list holds by hand."""
    from tenants.press.models import MediaListMember

    return db.session.scalar(select(MediaListMember.contact_id).where(MediaListMember.list_id == media_list.id))


def _blank_pdf():
    """A valid one-page PDF without text (a ready report's stand-in: the guest sweeps read PDFs back)."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=72, height=72)
    writer.write(out)
    return out.getvalue()


def populate_reports(client, owner, member, prefix):
    """Give the client a ready report (its PDF stands in: a blank page) and a weekly schedule to the member."""
    from tenants.dashboards import periods, reports
    from tenants.dashboards.models import ReportSchedule

    report = reports.create_report(client, periods.custom(date(2026, 11, 2), date(2026, 11, 8)),
                                   {"language": "fr", "summary": f"{prefix} summary", "highlights": ""}, owner.id)
    report.status, report.pdf = "ready", _blank_pdf()
    schedule = ReportSchedule(client_id=client.id, frequency="weekly", language="fr", recipient_ids=[member.id],
                              created_by_id=owner.id)
    db.session.add(schedule)
    db.session.flush()
    return {"report_id": report.id, "schedule_id": schedule.id}


def populate_press_coverage(release, owner, prefix):
    """Give the release an accepted piece of coverage, gathered in a press review shared with the client."""
    from datetime import timedelta

    from tenants.press import coverage, reviews
    from tenants.press.models import PressReview

    row, _created = coverage.add_by_url(release.client_id, release, {
        "url": f"https://{prefix.lower()}-matin.example/article", "outlet": f"{prefix} Matin", "author": "",
        "headline": f"{prefix} coverage headline", "published_at": utcnow(), "sentiment": "positive",
        "reach": 12000, "media_value": None}, owner)
    today = utcnow().date()
    review = PressReview(client_id=release.client_id, title=f"{prefix} review", first_day=today - timedelta(days=30),
                         last_day=today + timedelta(days=1), created_by_id=owner.id)
    db.session.add(review)
    db.session.flush()
    reviews.set_items(review, [row.id])
    reviews.share(review, True)
    return {"coverage_id": row.id, "review_id": review.id}
