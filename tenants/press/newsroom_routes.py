"""Newsrooms: the staff turn a client's public newsroom on and off; anyone reads it (page, release, Atom feed)."""
from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.forms import read
from saas.mail import absolute_url
from saas.views import get_or_404
from tenants.clients.models import Client
from tenants.clients.service import list_clients
from tenants.press import bp, forms, newsroom, newsroom_bp

SETTINGS_PAGE = "press/newsrooms.html"


def _settings_page(values=None, errors=None, status=200):
    clients = list_clients()
    rooms = newsroom.newsrooms_by_client()
    typed = {client.id: {"enabled": rooms[client.id].enabled if client.id in rooms else False,
                         "slug": rooms[client.id].slug if client.id in rooms else newsroom.default_slug(client),
                         "intro": rooms[client.id].intro if client.id in rooms else ""} for client in clients}
    typed.update(values or {})
    slug = g.agency.slug
    addresses = {room.client_id: absolute_url("newsroom.page", workspace=slug, slug=room.slug) for room in rooms.values()}
    return render_template(SETTINGS_PAGE, clients=clients, rooms=rooms, typed=typed, errors=errors or {},
                           agency_slug=slug, addresses=addresses), status


@bp.get("/newsroom")
def newsrooms():
    """Each client's public newsroom: on or off, its address, its introduction."""
    return _settings_page()


@bp.post("/newsroom/<int:client_id>")
def save_newsroom(client_id):
    """Turn a client's newsroom on or off, change its address or introduction (422 with what was typed)."""
    client = get_or_404(Client, client_id)
    values, errors = read(forms.NewsroomForm, request.form)
    if not errors and newsroom.slug_taken(values["slug"], client.id):
        errors["slug"] = _("Another client's newsroom already has this address.")
    if errors:
        typed = {"enabled": values["enabled"], "slug": request.form.get("slug", "")[:200],
                 "intro": request.form.get("intro", "")}
        return _settings_page({client.id: typed}, {client.id: errors}, status=422)
    room = newsroom.save_newsroom(client, values)
    flash(_("The newsroom of %(client)s is on.", client=client.name) if room.enabled
          else _("The newsroom of %(client)s is off.", client=client.name), "success")
    return redirect(url_for("press.newsrooms"))


def _open(workspace, slug):
    """The agency and its open newsroom at this address, in the agency's scope; 404 otherwise."""
    agency = db.session.scalar(select(Agency).where(Agency.slug == workspace))
    if agency is None or agency.purge_after is not None:  # an agency being deleted publishes nothing
        abort(404)
    tenancy.set_agency(agency.id)
    found = newsroom.open_newsroom(slug)
    if found is None:
        abort(404)
    return agency, *found


def _feed_url(agency, room):
    return absolute_url("newsroom.feed", workspace=agency.slug, slug=room.slug)


@newsroom_bp.get("/<workspace>/<slug>")
def page(workspace, slug):
    """A client's newsroom: its releases out, newest first."""
    agency, room, client = _open(workspace, slug)
    published = newsroom.published_releases(client.id)
    return render_template("press/newsroom.html", agency=agency, room=room, client=client, published=published,
                           excerpts={item.id: newsroom.excerpt(item) for item, _moment in published},
                           feed_url=_feed_url(agency, room))


@newsroom_bp.get("/<workspace>/<slug>/<int:release_id>")
def release(workspace, slug, release_id):
    """One release of the newsroom, as it was sent (404 before its embargo or if it was never sent)."""
    agency, room, client = _open(workspace, slug)
    found = newsroom.published_release(client.id, release_id)
    if found is None:
        abort(404)
    item, published_at = found
    return render_template("press/newsroom_release.html", agency=agency, room=room, client=client, release=item,
                           published_at=published_at, body=newsroom.public_body(item), feed_url=_feed_url(agency, room))


@newsroom_bp.get("/<workspace>/<slug>/feed.xml")
def feed(workspace, slug):
    """The newsroom's Atom feed (RFC 4287): its releases out, newest first, each with its whole text."""
    agency, room, client = _open(workspace, slug)
    published = newsroom.published_releases(client.id)
    entries = [(item, moment, str(newsroom.public_body(item)),  # plain text: the template escapes it (type="html")
                absolute_url("newsroom.release", workspace=agency.slug, slug=room.slug, release_id=item.id))
               for item, moment in published]
    body = render_template("press/newsroom_feed.xml", agency=agency, room=room, client=client, entries=entries,
                           updated=max((moment for _item, moment in published), default=room.updated_at),
                           feed_url=_feed_url(agency, room),
                           page_url=absolute_url("newsroom.page", workspace=agency.slug, slug=room.slug))
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    return response
