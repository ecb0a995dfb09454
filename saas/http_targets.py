"""Where the outbound HTTP client may go: URL checks, one DNS resolution, the SSRF policy.

A URL must be http(s), name a host and carry no credentials. The host is resolved once and
the fetch connects to those very addresses (no second lookup, so DNS rebinding cannot swap
them). An address is reachable when it is public; addresses that carry an IPv4 address
inside IPv6 (IPv4-mapped, NAT64, 6to4) are judged by the IPv4 address they carry, so that
::ffff:127.0.0.1 or 2002:7f00:1:: cannot smuggle loopback through. The operator may allow
named internal hosts with FETCH_ALLOW_HOSTS.
"""
import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from saas.http_errors import BlockedAddress, ConnectionFailed, InvalidURL

DEFAULT_PORTS = {"http": 80, "https": 443}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CGNAT = ipaddress.ip_network("100.64.0.0/10")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
# Legacy IPv4 spellings (2130706433, 0x7f.1, 017700000001, 127.1) only use these characters.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


def canonical_host(host):
    """Return the host lowercased, with any IP address (in any spelling) in its standard form."""
    host = host.strip().lower().rstrip(".") if host else ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host) and any(char.isdigit() for char in host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            pass
    return host


def embedded_ipv4(address):
    """Return the IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), or None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public_address(value):
    """Tell whether an IP address is publicly routable, so safe for the platform to reach."""
    try:
        address = ipaddress.ip_address(str(value).split("%")[0])
    except ValueError:
        return False
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public_address(inner)
    if address.version == 4 and address in CGNAT:
        return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified
    )


def allowed_hosts():
    """Return the internal host names and IPs the operator allows (FETCH_ALLOW_HOSTS)."""
    raw = os.environ.get("FETCH_ALLOW_HOSTS", "")
    if has_app_context():
        raw = current_app.config.get("FETCH_ALLOW_HOSTS", raw)
    if isinstance(raw, str):
        raw = raw.split(",")
    return {canonical_host(name.strip().strip("[]")) for name in raw if name and name.strip()}


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, host (canonical), port and the path to request."""

    url: str
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self):
        """Return the Host header value: the name (bracketed if IPv6) and any explicit port."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"


def parse_target(url):
    """Check a URL's shape (http/https, a host, no credentials) and split it for the request."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        raise InvalidURL() from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL("not_http")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("credentials_in_url")
    host = canonical_host(_ascii_host(parts.hostname or ""))
    if not host or not (":" in host or _HOST_NAME.fullmatch(host)):
        raise InvalidURL("bad_host")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url=parts._replace(fragment="").geturl(), scheme=scheme, host=host,
                  port=port or DEFAULT_PORTS[scheme], path=path)


def _ascii_host(hostname):
    """Return the host name in its ASCII (IDNA) form, so that café.fr can be resolved."""
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidURL("bad_host") from None


def resolve_allowed(target):
    """Resolve the host once and refuse it unless every address is public or the host is allowed."""
    addresses = resolve_host(target.host, target.port)
    if target.host in allowed_hosts():
        return addresses
    for address in addresses:
        if not is_public_address(address):
            raise BlockedAddress()
    return addresses


def resolve_host(host, port):
    """Return the host's IP addresses (the only DNS lookup a fetch makes)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ConnectionFailed("dns_failed") from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = canonical_host(sockaddr[0].split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses
