"""The errors of the outbound HTTP client (and of what reads its answers): a code and its values.

A failure is stored as its code and values (a source's or a webhook's last error) and put into
words where it is shown, in the reader's language: `error_text(code, params)`. str() of an
error is the English sentence, for logs and the command line.
"""
from flask_babel import gettext

from saas.i18n import N_

MESSAGES = {}  # code -> the English sentence (a msgid of the catalogue), with %(name)s values


def register(**messages):
    """Declare error codes and their sentences (marked with N_ so that the catalogue has them)."""
    MESSAGES.update(messages)


register(
    fetch_failed=N_("The address could not be fetched."),
    invalid_url=N_("This address is not a valid web address."),
    not_http=N_("Only web addresses starting with http:// or https:// can be fetched."),
    credentials_in_url=N_("Addresses containing a user name or password are not accepted."),
    bad_host=N_("This address has no valid site name."),
    blocked_address=N_("This address points to a private or internal network, which Relais does not fetch."),
    unreachable=N_("The site could not be reached."),
    dns_failed=N_("The site name could not be found."),
    tls_failed=N_("A secure connection to the site could not be established (its certificate could not be "
                  "verified)."),
    interrupted=N_("The connection to the site was interrupted."),
    timeout=N_("The site took too long to answer."),
    too_large=N_("The page is too large to be fetched."),
    too_many_redirects=N_("The address redirects too many times."),
    unknown_encoding=N_("The site answered in a compression format Relais cannot read."),
    damaged_compression=N_("The site sent a damaged compressed answer."),
    http_refused=N_("The site refused access"),
    http_not_found=N_("The page was not found"),
    http_slow_down=N_("The site asks Relais to slow down"),
    http_server_error=N_("The site has a temporary problem"),
    http_error=N_("The site answered with an error"),
)


def english(code, params=None):
    """The English sentence of an error code with its values."""
    return MESSAGES.get(code, MESSAGES[ReadableError.code]) % (params or {})


def error_text(code, params=None, fallback=None):
    """An error in the reader's language: from its code, else (older records) the stored English sentence."""
    if code in MESSAGES:
        return gettext(MESSAGES[code], **(params or {}))
    return gettext(fallback or MESSAGES[ReadableError.code])  # another kind of error, or stored before codes


class ReadableError(Exception):
    """An error a user reads: `code` and `params` say what happened; str() is the English sentence."""

    code = "fetch_failed"

    def __init__(self, code=None, **params):
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(english(self.code, params))


class FetchError(ReadableError):
    """A fetch that did not succeed."""


class InvalidURL(FetchError):
    """The address is not an http(s) web address the client accepts."""

    code = "invalid_url"


class BlockedAddress(FetchError):
    """The address leads to a private, internal or reserved network."""

    code = "blocked_address"


class ConnectionFailed(FetchError):
    """The site could not be found, reached or spoken to securely."""

    code = "unreachable"


class FetchTimeout(FetchError):
    """The site did not answer completely before the deadline."""

    code = "timeout"


class TooLarge(FetchError):
    """The answer is larger than the byte cap (compressed or not)."""

    code = "too_large"


class TooManyRedirects(FetchError):
    """The address redirects more times than the client follows."""

    code = "too_many_redirects"


class BadStatus(FetchError):
    """The site answered with an HTTP error; `status` and `retry_after` say which and when."""

    def __init__(self, status, retry_after=None):
        self.status = status
        self.retry_after = int(retry_after) if str(retry_after or "").isdigit() else None
        super().__init__(_status_code(status))

    def __str__(self):
        return f"{english(self.code)} (HTTP {self.status})."


def _status_code(status):
    """The code of what an HTTP error status means for the user."""
    if status in (401, 403):
        return "http_refused"
    if status in (404, 410):
        return "http_not_found"
    if status == 429:
        return "http_slow_down"
    if status >= 500:
        return "http_server_error"
    return "http_error"


def describe(error):
    """What to store of a failure: (English sentence, code, values); the code is None for other errors."""
    if isinstance(error, ReadableError):
        return english(error.code, error.params), error.code, error.params or None
    return str(error) or type(error).__name__, None, None
