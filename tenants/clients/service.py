"""Client operations: search, create, update, archive, delete (the form: forms.py)."""
from sqlalchemy import func, select

from saas import db
from saas import search as text_search
from saas.db import utcnow
from tenants.clients.models import Client

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


def plan_count_query():
    """Every client of the current agency, archived ones included (they can be restored): the plan's count."""
    return select(func.count()).select_from(Client)


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
