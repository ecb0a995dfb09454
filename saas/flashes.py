"""Flash messages that offer to undo what was just done (base.html draws the button as a small form)."""
from flask import flash
from flask_babel import gettext as _


def flash_undo(message, url, fields=None, label=None):
    """Flash `message` with an "Undo" button that posts `fields` to `url` (a view that puts things back)."""
    flash({"text": str(message), "undo": {"url": url, "fields": {k: str(v) for k, v in (fields or {}).items()},
                                          "label": str(label or _("Undo"))}}, "success")
