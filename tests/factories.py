"""Data for tests: a populated agency (client, extra member, pending invitation)."""
from dataclasses import dataclass

from sqlalchemy import select

from saas import db, tenancy
from saas.auth import service as accounts
from saas.auth.models import Invitation, Membership
from tenants.clients.models import Client


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
        db.commit()
    return Populated(agency, ids, client.name)


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
    from tenants.monitoring import service
    from tenants.monitoring.models import Mention

    keyword = service.create_keyword(client.id, f"{prefix} brand", None)
    source = service.follow_feed(client.id, f"https://{prefix.lower()}.example/feed.xml")
    mention = Mention(client_id=client.id, keyword_id=keyword.id, source_id=source.id, source_kind="rss",
                      item_key=f"{prefix}-item", title=f"{prefix} Client mention", excerpt="", published_at=utcnow())
    db.session.add(mention)
    db.session.flush()
    return {"keyword_id": keyword.id, "source_id": source.id, "mention_id": mention.id}
