"""The account page's session actions: sign out one session, or every other one."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from saas.auth import bp, sessions
from saas.auth.routes import end_session


@bp.post("/account/sessions/<int(max=2147483647):session_id>/end")  # an id PostgreSQL can hold
@login_required
def end_one_session(session_id):
    """Sign out one of one's own sessions (another person's, or an ended one, is 404)."""
    record = sessions.active_session_of(current_user, session_id)
    if record is None:
        abort(404)
    if record.id == current_user.current_session.id:
        end_session()
        return redirect(url_for("auth.login"))
    sessions.revoke(record)
    flash(_("That session has been signed out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every session of this person except the one making the request."""
    sessions.revoke_all(current_user.id, keep=current_user.current_session)
    flash(_("Every other session has been signed out."), "success")
    return redirect(url_for("auth.account"))
