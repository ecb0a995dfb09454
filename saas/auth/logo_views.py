"""The agency's logo as an image, for every member of the agency, the client guests included (their portal)."""
from flask import Blueprint, Response, g, request
from werkzeug.exceptions import NotFound

from saas.auth import logo
from saas.views import guest_allowed

bp = Blueprint("branding", __name__, url_prefix="/a/<agency_slug>/branding")
MAX_AGE = 3600  # seconds; pages name the logo with its version (`v`), so a new logo is a new address


@bp.get("/logo.png")
@guest_allowed
def agency_logo():
    """The agency's logo (PNG); 404 when it has none. Private to the signed-in browser, revalidated by ETag."""
    version = logo.version(g.agency)
    if version is None:
        raise NotFound()
    if version in request.if_none_match:
        response = Response(status=304)  # the bytes are not even read
    else:
        png = logo.logo_bytes(g.agency.id)
        if png is None:
            raise NotFound()
        response = Response(png, mimetype="image/png")
    response.set_etag(version)
    response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = 'inline; filename="logo.png"'
    return response
