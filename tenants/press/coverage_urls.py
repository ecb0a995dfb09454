"""Coverage added by address: the outbound client's own checks, though nothing is fetched.

The address must be http(s), without credentials, on a dotted host name; an IP address (in any
spelling) must be public, and a name that resolves must resolve to public addresses only (the
SSRF policy of saas/http_targets.py, FETCH_ALLOW_HOSTS included). A name that does not resolve
from here is kept: the article is a link people follow, not something the platform fetches.
"""
import ipaddress

from flask_babel import lazy_gettext as _l

from saas.forms import web_address_problem
from saas.http_errors import BlockedAddress, ConnectionFailed, FetchError, error_text
from saas.http_targets import allowed_hosts, is_public_address, parse_target, resolve_allowed

PRIVATE_ADDRESS = _l("This address points into a private network: give the article's public address.")


def coverage_url_problem(url):
    """Why a coverage address is refused, or None."""
    problem = web_address_problem(url, message=_l("Enter the article's address, like https://www.example.fr/article."))
    if problem:
        return problem
    try:
        target = parse_target(url)
        if target.host in allowed_hosts():
            return None
        if _is_ip(target.host):  # parse_target wrote any spelling of an address (0x7f.1) in its standard form
            return None if is_public_address(target.host) else PRIVATE_ADDRESS
        resolve_allowed(target)
    except BlockedAddress:
        return PRIVATE_ADDRESS
    except ConnectionFailed:
        return None  # not resolvable from here: nothing is fetched, the link is kept as typed
    except FetchError as exc:
        return error_text(exc.code, exc.params)
    return None


def _is_ip(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
