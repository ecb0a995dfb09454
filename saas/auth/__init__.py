"""Accounts: signup, login, logout, password reset, invitations, memberships."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from saas.auth import routes, session_views  # noqa: E402,F401  (registers the views)
