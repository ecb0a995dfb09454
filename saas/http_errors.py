"""The errors of the outbound HTTP client: one family, each a sentence a user can read.

Messages are plain English sentences so that they can go through the translation layer.
"""
from saas.i18n import N_


class FetchError(Exception):
    """A fetch that did not succeed; str() is a plain sentence an agency user can read."""

    message = N_("The address could not be fetched.")

    def __init__(self, message=None):
        super().__init__(message or self.message)


class InvalidURL(FetchError):
    """The address is not an http(s) web address the client accepts."""

    message = N_("This address is not a valid web address.")


class BlockedAddress(FetchError):
    """The address leads to a private, internal or reserved network."""

    message = N_("This address points to a private or internal network, which Relais does not fetch.")


class ConnectionFailed(FetchError):
    """The site could not be found, reached or spoken to securely."""

    message = N_("The site could not be reached.")


class FetchTimeout(FetchError):
    """The site did not answer completely before the deadline."""

    message = N_("The site took too long to answer.")


class TooLarge(FetchError):
    """The answer is larger than the byte cap (compressed or not)."""

    message = N_("The page is too large to be fetched.")


class TooManyRedirects(FetchError):
    """The address redirects more times than the client follows."""

    message = N_("The address redirects too many times.")


class BadStatus(FetchError):
    """The site answered with an HTTP error; `status` and `retry_after` say which and when."""

    def __init__(self, status, retry_after=None):
        self.status = status
        self.sentence = _status_sentence(status)
        self.retry_after = int(retry_after) if str(retry_after or "").isdigit() else None
        super().__init__(f"{_status_sentence(status)} (HTTP {status}).")


def _status_sentence(status):
    """Say in plain words what an HTTP error status means for the user."""
    if status in (401, 403):
        return N_("The site refused access")
    if status in (404, 410):
        return N_("The page was not found")
    if status == 429:
        return N_("The site asks Relais to slow down")
    if status >= 500:
        return N_("The site has a temporary problem")
    return N_("The site answered with an error")
