"""The agency's coloured labels, shared by every board."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from saas import db
from tenants.boards.models import BoardLabel

PALETTE = ("#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6", "#6366f1", "#a855f7", "#ec4899",
           "#64748b")
COLOUR_NAMES = dict(zip(PALETTE, (_l("Red"), _l("Orange"), _l("Yellow"), _l("Green"), _l("Teal"), _l("Blue"), _l("Indigo"),
                                  _l("Purple"), _l("Pink"), _l("Grey"))))  # what a screen reader says of each swatch


def list_labels():
    """The agency's labels, by name."""
    return db.session.scalars(select(BoardLabel).order_by(func.lower(BoardLabel.name))).all()


def label_name_taken(name, exclude_id=None):
    """Tell whether another label of the agency has this name (ignoring case)."""
    query = select(func.count()).select_from(BoardLabel).where(func.lower(BoardLabel.name) == name.lower())
    if exclude_id is not None:
        query = query.where(BoardLabel.id != exclude_id)
    return db.session.scalar(query) > 0


def create_label(values):
    """Create a label."""
    label = BoardLabel(**values)
    db.session.add(label)
    db.session.flush()
    return label


def update_label(label, values):
    """Rename or recolour a label."""
    for key, value in values.items():
        setattr(label, key, value)
    db.session.flush()


def delete_label(label):
    """Delete a label; it leaves every card that had it."""
    db.session.delete(label)
    db.session.flush()
