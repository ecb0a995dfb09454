"""Client operations: validation, search, create, update, archive, delete."""
import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from saas import db
from saas import search as text_search
from saas.auth.validation import text_problem
from saas.db import utcnow
from tenants.clients.models import SOCIAL_NETWORKS, Client

SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
HANDLE_RE = re.compile(r"^[@\w.\-/:]{1,100}$")
SECTORS = (
    "retail", "food", "luxury", "tech", "health", "finance", "energy", "transport",
    "tourism", "culture", "public", "nonprofit", "industry", "other",
)


def clean_client_form(form):
    """Read a client form into (values, errors); values keep what was typed."""
    values = {
        "name": form.get("name", "").strip(),
        "sector": form.get("sector", "").strip(),
        "website": form.get("website", "").strip(),
        "notes": form.get("notes", "").strip(),
        "color": form.get("color", "").strip() or "#4f46e5",
        "social_handles": {net: form.get(f"handle_{net}", "").strip() for net in SOCIAL_NETWORKS},
    }
    errors = {
        "name": text_problem(values["name"], _l("Name"), 120),
        "sector": text_problem(values["sector"], _l("Sector"), 80, required=False),
        "notes": text_problem(values["notes"], _l("Notes"), 5000, required=False),
    }
    if values["website"]:
        if not SCHEME_RE.match(values["website"]):
            values["website"] = "https://" + values["website"]
        parts = urlsplit(values["website"])
        if parts.scheme not in ("http", "https") or "." not in (parts.hostname or "") or len(values["website"]) > 500:
            errors["website"] = _l("Enter a web address like https://brand.fr.")
    if not COLOR_RE.match(values["color"]):
        errors["color"] = _l("Choose a colour like #4f46e5.")
    for net, handle in values["social_handles"].items():
        if handle and not HANDLE_RE.match(handle):
            errors[f"handle_{net}"] = _l("This handle contains characters that are not allowed.")
    values["social_handles"] = {k: v for k, v in values["social_handles"].items() if v}
    return values, {k: v for k, v in errors.items() if v}


def name_taken(name, exclude_id=None):
    """Tell whether another client of the agency has this name (ignoring case)."""
    query = select(func.count()).select_from(Client).where(func.lower(Client.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    return db.session.scalar(query) > 0


def list_clients(search="", archived=False):
    """The agency's clients whose name or sector holds every word searched (saas/search.py), active or archived."""
    query = select(Client).order_by(func.lower(Client.name))
    query = query.where(Client.archived_at.is_not(None) if archived else Client.archived_at.is_(None))
    terms = text_search.terms(search)
    if terms:
        query = query.where(text_search.all_terms(Client.name + " " + Client.sector, terms))
    return db.session.scalars(query).all()


def count_for_plan():
    """Every client of the current agency, archived ones included (they can be restored): the plan's count."""
    return db.session.scalar(select(func.count()).select_from(Client))


def count_clients():
    """Active and archived client counts of the agency."""
    rows = db.session.execute(
        select(Client.archived_at.is_(None), func.count()).group_by(Client.archived_at.is_(None))
    ).all()
    counts = {bool(active): n for active, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


def create_client(values):
    """Create a client of the current agency."""
    client = Client(**values)
    db.session.add(client)
    db.session.flush()
    return client


def update_client(client, values):
    """Save edited fields of a client."""
    for key, value in values.items():
        setattr(client, key, value)
    db.session.flush()


def archive_client(client):
    """Archive a client: hidden from daily lists, nothing deleted."""
    client.archived_at = client.archived_at or utcnow()


def restore_client(client):
    """Bring an archived client back."""
    client.archived_at = None


def delete_client(client):
    """Delete a client and everything attached to it."""
    db.session.delete(client)
