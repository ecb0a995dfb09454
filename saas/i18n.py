"""Language choice: the user's setting, else the visitor's choice, else the browser."""
from flask import Blueprint, current_app, redirect, request, session
from flask_login import current_user

from saas.urls import safe_next

bp = Blueprint("i18n", __name__)


def N_(message):
    """Mark a message for the catalogue; it is stored as is and translated where it is shown."""
    return message


def select_locale():
    """Pick the language of this request."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.post("/lang")
def set_language():
    """Switch the interface language and go back where the person was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(request.form.get("next")) or "/")
