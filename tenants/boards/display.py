"""What board templates need everywhere: Markdown, due-date states, the bell's count."""
from datetime import timedelta

from flask import g
from flask_babel import gettext as _

from saas.db import utcnow
from saas.fragments import Fragments
from saas.i18n import format_date, format_datetime
from tenants.boards.activity import describe_activity
from tenants.boards.markdown import render_markdown

SOON = timedelta(hours=48)
# How a due date is written: (date only, date and time) for each length.
DUE_FORMATS = {"short": ("d MMM", "d MMM"), "long": ("d MMM", "d MMM, HH:mm"),
               "full": ("EEEE d MMMM", "EEEE d MMMM, HH:mm")}
# Dark enough for white initials (4.5:1 at least): indigo, pink, amber, emerald, blue, violet, red, teal.
AVATAR_COLORS = ("#4338ca", "#be185d", "#b45309", "#047857", "#1d4ed8", "#6d28d9", "#b91c1c", "#0f766e")
ICONS = {  # SVG paths on a 24 x 24 grid, drawn with a 2 px stroke
    "clock": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3 2",
    "check": "M5 12l5 5L20 7",
    "checklist": "M4 6l2 2 3-3M4 13l2 2 3-3M12 7h8M12 14h8M12 20h8",
    "comment": "M4 5h16v11H9l-5 4z",
    "eye": "M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12zM12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6z",
    "link": "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
    "board": "M4 4h5v16H4zM10 4h5v10h-5zM16 4h4v7h-4z",
    "list": "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
    "calendar": "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
    "activity": "M3 12h4l3 8 4-16 3 8h4",
    "bell": "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
    "dots": "M5 12h.01M12 12h.01M19 12h.01",
    "plus": "M12 5v14M5 12h14",
    "x": "M6 6l12 12M18 6L6 18",
    "left": "M15 6l-6 6 6 6", "right": "M9 6l6 6-6 6", "up": "M6 15l6-6 6 6", "down": "M6 9l6 6 6-6",
    "trash": "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
    "alert": "M12 3l10 18H2zM12 10v5M12 18v.5",
    "source": "M4 4h16v12H7l-3 3zM8 9h8M8 12h5",
    "search": "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14zM21 21l-5-5",
    "user": "M12 4a4 4 0 1 0 0 8a4 4 0 1 0 0-8zM4 20c1.5-4 4.5-6 8-6s6.5 2 8 6",
    "tag": "M3 12V4h8l10 10-8 8zM7.5 7.5h.01",
}
TILE_ICONS = ("clock", "check", "checklist", "comment", "eye", "source")


def due_state(due_at, done=False, now=None):
    """Classify a due date: done, overdue, soon (within 48 h), later, or none."""
    if due_at is None:
        return "none"
    if done:
        return "done"
    now = now or utcnow()
    if due_at < now:
        return "overdue"
    return "soon" if due_at - now <= SOON else "later"


def due_text(card, length="short"):
    """A card's due date in the reader's language: "12 déc." for a date alone, the time too when it has one."""
    date_only, with_time = DUE_FORMATS[length]
    if card.due_on is not None:
        return format_date(card.due_on, date_only)
    return format_datetime(card.due_at, with_time) if card.due_at is not None else ""


def tile_words():
    """The words of a card tile, translated once per request (a board draws hundreds of tiles)."""
    if "board_tile_words" not in g:
        g.board_tile_words = {
            "rp": _("PR"), "cm": _("CM"), "both": _("PR + CM"), "overdue": _("Overdue"), "soon": _("Due soon"),
            "done": _("Done"), "later": _("Due"), "checklist": _("Checklist"), "comments": _("Comments"),
            "visible": _("Visible to the client"), "source": _("Created from a mention"),
        }
    return g.board_tile_words


# Rendered card tiles, by everything a tile shows (saas/fragments.py): a board of 500 cards draws
# 500 tiles on every visit and every live update, and few of them change in between.
_tiles = Fragments("boards/_card.html")


def card_tiles(cards, column, counts, card_url_base):
    """The tiles of a column's cards (boards/_card.html), each rendered once per distinct content."""
    now = utcnow()

    def key(card):
        c = counts[card.id]
        return (card_url_base, column.done, card.id, card.title, card.pole, card.due_at, card.due_on,
                due_state(card.due_at, column.done, now) if card.due_at else None,
                card.client_visible, card.approval_state, card.source_url, c.comments, c.checked, c.items,
                tuple((cl.label.name, cl.label.color) for cl in card.card_labels),
                tuple((a.membership.user_id, a.membership.user.name) for a in card.assignments))

    return _tiles.render(cards, key, lambda card: {"card": card, "column": column, "counts": counts,
                                                   "card_url_base": card_url_base})


def unread_notifications_query(membership):
    """The layout's bell: how many unread notifications the signed-in member has (none for guests)."""
    if membership.role == "guest":
        return None
    from tenants.boards.notifications.service import unread_query  # late: notifications import boards

    return unread_query(membership)


def register(bp):
    """Make the filters and helpers available to every template of the app."""
    bp.add_app_template_filter(render_markdown, "markdown")
    bp.add_app_template_global(due_state, "due_state")
    bp.add_app_template_global(due_text, "due_text")
    bp.add_app_template_global(describe_activity, "describe_activity")
    bp.add_app_template_global(tile_words, "tile_words")
    bp.add_app_template_global(card_tiles, "card_tiles")
    bp.add_app_template_global(ICONS, "board_icons")
    bp.add_app_template_global(TILE_ICONS, "tile_icons")
    bp.add_app_template_global(AVATAR_COLORS, "avatar_colors")
    from saas.web import layout_count

    layout_count("unread_notifications")(unread_notifications_query)
