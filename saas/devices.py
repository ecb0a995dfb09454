"""A session's browser and device in words, from its User-Agent header (ua-parser)."""
from flask_babel import gettext as _
from ua_parser import parse

# Device families ua-parser gives when it knows no more than "a computer" or "a phone".
VAGUE_DEVICES = {"Other", "Generic Smartphone", "Generic Feature Phone", "Generic Tablet", "K"}


def _with_version(family, major, minor=None):
    return " ".join(part for part in (family, ".".join(v for v in (major, minor) if v)) if part)


def describe(user_agent):
    """Return (browser and system, device or None) for a User-Agent, e.g. ("Chrome 124 on Windows 10", None)."""
    result = parse(user_agent or "")
    browser = _with_version(result.user_agent.family, result.user_agent.major) if result.user_agent else None
    system = _with_version(result.os.family, result.os.major, result.os.minor) if result.os else None
    device = result.device.family if result.device and result.device.family not in VAGUE_DEVICES else None
    if browser and system:
        words = _("%(browser)s on %(system)s", browser=browser, system=system)
    else:
        words = browser or system or _("Unknown browser")
    return words, device
