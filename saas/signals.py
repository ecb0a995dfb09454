"""What the platform announces, for the features to act on without the platform knowing them.

Blinker signals (Flask's own). A feature connects its receivers in its `init_app` (see the
app factory, saas/__init__.py); the platform sends and never imports a feature. Receivers
run inside the sender's transaction: they flush, the request or the job commits.
"""
from blinker import Namespace

_signals = Namespace()

# Sent by saas.auth.service.accept_invitation once the membership exists.
# sender: the Invitation; keyword: membership.
invitation_accepted = _signals.signal("invitation-accepted")

# Sent when an agency's time zone changes (its dates are then in another zone).
# sender: the Agency.
agency_timezone_changed = _signals.signal("agency-timezone-changed")

# Sent by saas.auth.service.create_agency once the agency and its owner exist (billing: the trial).
# sender: the Agency.
agency_created = _signals.signal("agency-created")

# Sent right before a seat is taken (a member invited): a receiver refuses by raising
# (billing: LimitReached when the plan's seats are all taken). sender: the inviting Membership.
seat_requested = _signals.signal("seat-requested")

# Sent by the features when something happened that an agency may want to hear of outside Relais (the
# outbound webhooks listen), inside the sender's transaction, in the agency's scope. sender: the event type
# ("mention.created", "crisis.opened", "crisis.closed", "buzz.detected", "card.created", "card.moved",
# "approval.requested", "approval.withdrawn", "approval.decided", "report.ready"; the webhooks send those of
# tenants/api/webhooks/models.py); keywords: the objects it is about (see tenants/api/webhooks/events.py).
event_happened = _signals.signal("event-happened")

# Sent by monitoring when stored mentions changed in a way their counts see: a sentiment corrected, mentions
# deleted with their keyword (after the deletion). sender: the client id; keywords: first, last (the moments
# of publication the change spans). The dashboards' daily rollups recount those days.
mentions_changed = _signals.signal("mentions-changed")
