"""A sign-in from a browser a person never signed in from before sends them a mail (issue 21).

Each browser keeps a signed cookie listing the accounts that signed in from it (ids only, no secret):
a session of one of them is "a known device". A sign-in (password, or password and second factor) from a
browser whose cookie does not name the account mails the account's address: when, which browser and
system, from which address, and what to do if it was not them. A brand-new account's first sign-in
mails nothing (no device to compare with); the cookie is set at every start of a session, so the
browser that signed up is known from then on.
"""
from datetime import timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from saas.jobs import enqueue_after_commit

COOKIE = "relais_devices"
KEPT_ACCOUNTS = 10  # accounts a browser remembers (several people may share one computer)
LIFETIME = timedelta(days=400)  # the longest a browser keeps a cookie


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="relais-known-device")


def known_accounts():
    """The account ids this browser signed in to before (a forged or damaged cookie names none)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_browser(user):
    """Put the account in this browser's cookie (the response of this request sets it)."""
    ids = [user.id] + [i for i in known_accounts() if i != user.id]
    value = _serializer().dumps(ids[:KEPT_ACCOUNTS])

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="Lax",
                            secure=request.is_secure)
        return response


def check_sign_in(user, signed_in_before):
    """Mail the person when this sign-in comes from a browser they never used; return True when mailed.

    Called before the session starts (`start_session` then remembers the browser).
    `signed_in_before`: whether the account had signed in before this sign-in (its first one mails nothing).
    """
    from saas.auth.jobs import send_new_device_email

    if user.id in known_accounts() or not signed_in_before:
        return False
    enqueue_after_commit(send_new_device_email, user.id, ip=request.remote_addr,
                         user_agent=request.user_agent.string[:512])
    return True
