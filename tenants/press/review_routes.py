"""Press reviews: list and make them, pick their pieces, share them with the client, as a page and as a PDF;
and, in the client portal, the reviews shared with the client's guests."""
from io import BytesIO

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas import params
from saas.auth import logo
from saas.forms import read
from saas.views import get_or_404, guest_allowed
from tenants.clients.models import Client
from tenants.clients.service import list_clients
from saas import pdf
from tenants.guests.access import portal_client_or_404
from tenants.press import bp, coverage, forms, portal_bp, reviews
from tenants.press.models import PressReview


def _review_context(review):
    rows = reviews.items(review)
    count, reach, value = coverage.totals(rows)
    return {"review": review, "client": get_or_404(Client, review.client_id), "rows": rows,
            "contacts": coverage.contacts_by_id(rows), "count": count, "reach": reach, "value": value}


def _pdf(review):
    html = render_template("press/review_print.html", stylesheet=pdf.print_stylesheet("press-review-print.css"),
                           logo=logo.data_uri(g.agency), **_review_context(review))
    name = f"{review.title} {review.first_day.isoformat()} {review.last_day.isoformat()}.pdf"
    return send_file(BytesIO(pdf.html_to_pdf(html)), mimetype="application/pdf", download_name=name)


def _list_page(values=None, errors=None, status=200):
    client_id = params.id_arg("client")
    clients = list_clients()
    return render_template("press/reviews.html", reviews=reviews.list_reviews(client_id), clients=clients,
                           client_names={c.id: c.name for c in clients}, client_id=client_id,
                           values=values or ({"client_id": str(client_id)} if client_id else {}),
                           errors=errors or {}), status


@bp.get("/reviews/")
def reviews_index():
    """The press reviews (one client's with ?client=), the clients' coverage pages, and the form of a new review."""
    return _list_page()


@bp.post("/reviews/")
def create_review():
    """Make a review of a client's accepted coverage over a period; errors come back with what was typed (422)."""
    values, errors = read(forms.ReviewForm, request.form, client_ids=[c.id for c in list_clients()])
    if errors:
        return _list_page(request.form, errors, 422)
    review = reviews.create_review({**values, "client_id": values["client_id"][0]}, current_user)
    flash(_("Press review made with the period's accepted coverage."), "success")
    return redirect(url_for("press.review", review_id=review.id))


@bp.get("/reviews/<int:review_id>")
def review(review_id):
    """A review as the client will read it, the pieces to pick, sharing, the PDF."""
    found = get_or_404(PressReview, review_id)
    return render_template("press/review.html", candidates=reviews.candidates(found),
                           picked=reviews.picked_ids(found), **_review_context(found))


@bp.post("/reviews/<int:review_id>/items")
def review_items(review_id):
    """Keep the ticked pieces in the review."""
    found = get_or_404(PressReview, review_id)
    reviews.set_items(found, params.ids_arg("ids", source=request.form))
    flash(_("Press review saved."), "success")
    return redirect(url_for("press.review", review_id=found.id))


@bp.post("/reviews/<int:review_id>/share")
def share_review(review_id):
    """Share the review with the client's guests (their portal), or stop sharing it."""
    found = get_or_404(PressReview, review_id)
    shared = params.choice_arg("flag", ("0", "1"), "1", source=request.form) == "1"
    reviews.share(found, shared)
    flash(_("The client's guests see this review in their portal.") if shared else
          _("The review is no longer shown to the client."), "success")
    return redirect(url_for("press.review", review_id=found.id))


@bp.post("/reviews/<int:review_id>/delete")
def delete_review(review_id):
    """Delete a review (its coverage stays)."""
    found = get_or_404(PressReview, review_id)
    client_id = found.client_id
    reviews.delete_review(found)
    flash(_("Press review deleted."), "success")
    return redirect(url_for("press.reviews_index", client=client_id))


@bp.get("/reviews/<int:review_id>/review.pdf")
def review_pdf(review_id):
    """The review as an A4 PDF with the agency's name and colour."""
    return _pdf(get_or_404(PressReview, review_id))


# -- the client portal ---------------------------------------------------------------------------------------

def _shared_or_404(review_id):
    found = get_or_404(PressReview, review_id)
    portal_client_or_404(found.client_id)  # a guest of another client: 404
    if not found.shared_with_client:
        abort(404)  # not shared: as if it did not exist
    return found


def shared_reviews(client):
    """page_extra of the portal's client page: the reviews shared with the client, newest first."""
    return reviews.list_reviews(client.id, shared_only=True)


@portal_bp.get("/<int:review_id>")
@guest_allowed
def portal_review(review_id):
    """A review shared with the client, in the portal."""
    found = _shared_or_404(review_id)
    return render_template("press/portal_review.html", preview=g.membership.role != "guest",
                           **_review_context(found))


@portal_bp.get("/<int:review_id>/review.pdf")
@guest_allowed
def portal_review_pdf(review_id):
    """A review shared with the client, as PDF."""
    return _pdf(_shared_or_404(review_id))
