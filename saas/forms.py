"""Form pieces that several features share (a leaf: features use it instead of each other's forms)."""
from flask_babel import lazy_gettext as _l

from saas.auth.validation import text_problem

MAX_COMMENT = 10_000


def clean_comment(form):
    """Read a comment's text (a card's comment by the team, or a client guest's)."""
    body = form.get("body", "").replace("\r\n", "\n").strip()
    return body, text_problem(body, _l("Comment"), MAX_COMMENT)
