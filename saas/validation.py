"""Checks on what people type into account and agency forms."""
import re
import unicodedata

from flask_babel import lazy_gettext as _l

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "api", "static", "login", "logout", "signup", "healthz", "new", "www", "app"}


def slugify(text, max_length=60):
    """Derive a URL slug from a name: ASCII, lower case, dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def clean_email(value):
    """Normalise an email address for storage and lookup."""
    return (value or "").strip().lower()


def email_problem(email):
    """Return why an email address is refused, or None."""
    if not email:
        return _l("Enter your email address.")
    if len(email) > 254 or not EMAIL_RE.match(email):
        return _l("Enter a valid email address, like name@agency.fr.")
    return None


def text_problem(value, label, max_length, required=True):
    """Return why a short text field is refused, or None."""
    if required and not value:
        return _l("%(field)s is required.", field=label)
    if len(value) > max_length:
        return _l("%(field)s must have at most %(n)d characters.", field=label, n=max_length)
    return None


def slug_problem(slug):
    """Return why an agency slug is refused (format only), or None."""
    if not slug:
        return _l("Choose the address of your workspace.")
    if slug in RESERVED_SLUGS or not SLUG_RE.match(slug):
        return _l("Use 1 to 60 lower-case letters, digits and dashes, not starting or ending with a dash.")
    return None
