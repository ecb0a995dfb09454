"""Press reviews ("revues de presse"): a client's accepted coverage over a period, as a page and a PDF.

A review keeps the pieces picked (all the accepted coverage of the period when it is made); only
accepted coverage of the review's own client is ever shown, even if a piece is rejected later.
Shared, it appears on the client's portal page for the client's guests.
"""
from datetime import timedelta

from sqlalchemy import and_, delete, select

from saas import db
from saas.db import utcnow
from saas.i18n import local_moment
from tenants.press import coverage
from tenants.press.models import PressCoverage, PressReview, PressReviewItem


def period_bounds(review):
    """[start, end) moments of the review's days in the agency's zone."""
    return local_moment(review.first_day), local_moment(review.last_day + timedelta(days=1))


def candidates(review):
    """The client's accepted coverage published during the review's period."""
    start, end = period_bounds(review)
    return coverage.of_client(review.client_id, start, end)


def create_review(values, actor):
    """Create a review holding every accepted piece of the period."""
    review = PressReview(client_id=values["client_id"], title=values["title"], first_day=values["first_day"],
                         last_day=values["last_day"], created_by_id=actor.id if actor else None)
    db.session.add(review)
    db.session.flush()
    set_items(review, [row.id for row in candidates(review)])
    return review


def set_items(review, coverage_ids):
    """Keep these pieces (among the period's accepted coverage; others are ignored) in the review."""
    allowed = {row.id for row in candidates(review)}
    db.session.execute(delete(PressReviewItem).where(PressReviewItem.review_id == review.id))
    for coverage_id in sorted(set(coverage_ids) & allowed):
        db.session.add(PressReviewItem(review_id=review.id, coverage_id=coverage_id))
    review.updated_at = utcnow()
    db.session.flush()


def items(review):
    """The review's pieces: accepted coverage of its client only, oldest first."""
    return db.session.scalars(select(PressCoverage).join(PressReviewItem, and_(
        PressReviewItem.agency_id == PressCoverage.agency_id, PressReviewItem.coverage_id == PressCoverage.id))
        .where(PressReviewItem.review_id == review.id, PressCoverage.client_id == review.client_id,
               PressCoverage.status == "accepted")
        .order_by(PressCoverage.published_at.asc().nulls_last(), PressCoverage.id)).all()


def picked_ids(review):
    """The ids of the pieces picked for the review."""
    return set(db.session.scalars(select(PressReviewItem.coverage_id).where(PressReviewItem.review_id == review.id)))


def share(review, shared):
    """Share the review with the client's guests, or stop sharing it."""
    review.shared_with_client = shared
    review.shared_at = utcnow() if shared else None
    db.session.flush()


def delete_review(review):
    """Delete a review (its coverage stays)."""
    db.session.execute(delete(PressReviewItem).where(PressReviewItem.review_id == review.id))
    db.session.delete(review)
    db.session.flush()


def list_reviews(client_id=None, shared_only=False):
    """The agency's reviews, newest period first (one client's when given)."""
    query = select(PressReview).order_by(PressReview.last_day.desc(), PressReview.id.desc())
    if client_id is not None:
        query = query.where(PressReview.client_id == client_id)
    if shared_only:
        query = query.where(PressReview.shared_with_client.is_(True))
    return db.session.scalars(query).all()
