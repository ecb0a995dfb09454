"""Configuration read from environment variables (see README, "Configuration")."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for a running Relais; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'relais.db'}")
    # On PostgreSQL the app switches to this non-owner role so row-level security applies.
    DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "relais_app")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Relais <no-reply@relais.localhost>")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SECURE_COOKIES")
    TRUST_PROXY = _bool("TRUST_PROXY")

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "fr"
    LANGUAGES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    LOGIN_RATE_PER_IP = int(os.environ.get("LOGIN_RATE_PER_IP", "30"))
    LOGIN_RATE_PER_ACCOUNT = int(os.environ.get("LOGIN_RATE_PER_ACCOUNT", "5"))
    LOGIN_RATE_WINDOW = int(os.environ.get("LOGIN_RATE_WINDOW", "900"))
    TOKEN_MAX_AGE = int(os.environ.get("TOKEN_MAX_AGE", "3600"))
    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", str(7 * 24 * 3600)))
    TESTING = False


class TestConfig(Config):
    """Settings for the test suite: real PostgreSQL and Redis given by the test run."""

    TESTING = True
    SECRET_KEY = "test-secret"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", Config.DATABASE_URL)
    REDIS_URL = os.environ.get("TEST_REDIS_URL", Config.REDIS_URL)
    MAIL_SERVER = ""
