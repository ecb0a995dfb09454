"""The owners' and admins' API tokens page: list, create (the secret shown once), revoke."""
from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from flask import flash
from saas.forms import read
from saas.views import get_or_404, require_role
from tenants.api import bp, tokens
from tenants.api.forms import TokenForm
from tenants.api.models import ApiToken
from tenants.clients.service import list_clients


def _page(errors=None, created=None, secret=None, status=200):
    clients = list_clients()
    return render_template("api/tokens.html", tokens=tokens.list_tokens(), clients=clients,
                           client_names={c.id: c.name for c in clients}, errors=errors or {},
                           form={} if created else request.form,  # a token made: the form is blank for the next
                           created=created, secret=secret, expiries=tokens.EXPIRY_DAYS), status


@bp.get("/")
@require_role("owner", "admin")
def index():
    """The agency's API tokens and the form to create one."""
    return _page()


@bp.post("/")
@require_role("owner", "admin")
def create():
    """Create a token and show its secret this once."""
    values, errors = read(TokenForm, request.form, client_ids=[c.id for c in list_clients()])
    if errors:
        return _page(errors=errors, status=422)
    row, secret = tokens.create_token(g.agency.id, values["name"], values["scope"], values["client"],
                                      int(values["expiry"]), g.membership.user)
    return _page(created=row, secret=secret)


@bp.post("/<int:token_id>/revoke")
@require_role("owner", "admin")
def revoke(token_id):
    """Revoke a token: the next call made with it is refused."""
    row = get_or_404(ApiToken, token_id)
    tokens.revoke_token(row)
    flash(_("Token “%(name)s” revoked.", name=row.name), "success")
    return redirect(url_for("api_tokens.index"))
