"""Password hashing (Argon2id) and the password policy."""
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 200
_hasher = PasswordHasher()  # argon2-cffi's default type is Argon2id
_DUMMY_HASH = _hasher.hash("relais-timing-equaliser")


def hash_password(password):
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """Check a password; with no hash, spend the same time and fail."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords():
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problems(password, email="", name=""):
    """Return the reasons a new password is refused (empty when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("The password must have at least %(n)d characters.", n=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_l("The password must have at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    local = email.split("@")[0].lower() if email else ""
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        problems.append(_l("This password is too common: choose one that is harder to guess."))
    elif local and len(local) >= 4 and local in lowered:
        problems.append(_l("The password must not contain your email address."))
    return problems
