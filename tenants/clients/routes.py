"""Client views: list and search, inline create and edit (htmx), archive, delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block

from saas.pagecache import cached_page
from saas import params
from saas.billing.limits import check_limit
from saas.forms import read
from saas.htmx import header, is_htmx
from saas.views import get_or_404, require_role
from saas.web import page_extras
from saas.audit import service as audit_trail
from tenants.clients import bp, forms, service
from tenants.clients.models import SOCIAL_NETWORKS, Client

PAGE = "clients/index.html"


def _form_context(values=None, errors=None, client=None):
    return {"values": values or {}, "errors": errors or {}, "client": client,
            "sectors": forms.SECTORS, "networks": SOCIAL_NETWORKS}


@bp.get("/")
@cached_page
def index():
    """List the agency's clients, with search; htmx gets just the list."""
    search = params.text_arg("q", 100)
    archived = params.choice_arg("archived", ("0", "1"), "0") == "1"
    context = {"clients": service.list_clients(search, archived), "q": search, "archived": archived,
               **_form_context()}
    if is_htmx() and header("HX-Target") == "client-list":
        return render_block(PAGE, "client_list", **context)
    return render_template(PAGE, **context)


@bp.post("/")
def create():
    """Create a client; htmx swaps the form and adds the new row in place."""
    values, errors = forms.clean_client_form(request.form)
    if not errors and service.name_taken(values["name"]):
        errors["name"] = _l("A client with this name already exists.")
    if errors:
        if is_htmx():
            return render_template("clients/_form.html", **_form_context(request.form, errors)), 422
        return render_template(PAGE, clients=service.list_clients(), q="", archived=False,
                               **_form_context(request.form, errors)), 422
    check_limit("clients")
    client = service.create_client(values)
    if is_htmx():
        return render_template("clients/_created.html", created=client, **_form_context())
    flash(_("Client %(name)s created.", name=client.name), "success")
    return redirect(url_for("clients.index"))


@bp.get("/<int:client_id>")
@cached_page
def show(client_id):
    """A client's page."""
    client = get_or_404(Client, client_id)
    return render_template("clients/show.html", client=client, networks=SOCIAL_NETWORKS,
                           **page_extras("client_page", client))


@bp.get("/<int:client_id>/row")
def row(client_id):
    """One client's row of the list (to cancel an inline edit)."""
    return render_template("clients/_row.html", client=get_or_404(Client, client_id))


@bp.get("/<int:client_id>/edit")
def edit(client_id):
    """The edit form: inline (htmx) or as a page."""
    client = get_or_404(Client, client_id)
    values = {"name": client.name, "sector": client.sector, "website": client.website, "notes": client.notes,
              "color": client.color, **{f"handle_{k}": v for k, v in (client.social_handles or {}).items()}}
    template = "clients/_edit_row.html" if is_htmx() else "clients/edit.html"
    return render_template(template, **_form_context(values, None, client))


@bp.post("/<int:client_id>")
def update(client_id):
    """Save a client's edits; errors come back with what was typed."""
    client = get_or_404(Client, client_id)
    values, errors = forms.clean_client_form(request.form)
    if not errors and service.name_taken(values["name"], exclude_id=client.id):
        errors["name"] = _l("A client with this name already exists.")
    if errors:
        template = "clients/_edit_row.html" if is_htmx() else "clients/edit.html"
        return render_template(template, **_form_context(request.form, errors, client)), 422
    service.update_client(client, values)
    if is_htmx():
        return render_template("clients/_row.html", client=client)
    flash(_("Client saved."), "success")
    return redirect(url_for("clients.show", client_id=client.id))


@bp.post("/<int:client_id>/archive")
def archive(client_id):
    """Archive a client (kept, hidden from the daily list)."""
    client = get_or_404(Client, client_id)
    service.archive_client(client)
    flash(_("Client %(name)s archived.", name=client.name), "success")
    return redirect(url_for("clients.index"))


@bp.post("/<int:client_id>/restore")
def restore(client_id):
    """Restore an archived client."""
    client = get_or_404(Client, client_id)
    service.restore_client(client)
    flash(_("Client %(name)s restored.", name=client.name), "success")
    return redirect(url_for("clients.index"))


@bp.route("/<int:client_id>/delete", methods=["GET", "POST"])
@require_role("owner", "admin")
def delete(client_id):
    """Delete a client after the person types its name to confirm."""
    client = get_or_404(Client, client_id)
    if request.method == "GET":
        return render_template("clients/delete.html", client=client, errors={})
    _values, errors = read(forms.DeleteForm, request.form, client_name=client.name)
    if errors:
        return render_template("clients/delete.html", client=client, errors=errors), 422
    name = client.name
    service.delete_client(client)
    audit_trail.record("client_deleted", name)
    flash(_("Client %(name)s deleted.", name=name), "success")
    return redirect(url_for("clients.index"))
