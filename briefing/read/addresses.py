"""Which addresses may be fetched: public unicast ones only (unless allow_private_fetch), judged where the
connection is made, so a name that answers differently at the check and at the connection (DNS rebinding)
cannot reach the local network; and the httpx transport that connects only to addresses it checked."""

from __future__ import annotations

import functools
import ipaddress
import socket

from ..errors import FetchError, IngestError
from ..text.urls import redact

PUBLIC_ONLY = "briefing.public_only"  # request extension: connect only to addresses checked as public


@functools.cache
def transport_types() -> tuple[type, type]:
    """The transport and network backend classes, made on first use so importing briefing loads no httpx."""
    import httpcore
    import httpx

    class PublicOnlyBackend(httpcore.NetworkBackend):
        """Resolves the host once, refuses it unless every address is public, and connects to an address it
        checked: a name that answers differently at the check and at the connection (DNS rebinding) cannot
        reach a private address. TLS still names the host (SNI and the certificate check), as does Host."""

        def __init__(self):
            self._inner = httpcore.SyncBackend()

        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            try:
                addresses = _resolve(host, port)
            except (OSError, UnicodeError, ValueError) as e:
                raise httpcore.ConnectError(f"{host} does not resolve ({e})") from None
            for address in addresses:
                if not is_public_address(address):
                    raise NotPublic(f"{host}: {address} is not a public address", address)
            error: Exception = httpcore.ConnectError(f"{host}: no address to connect to")
            for address in addresses:  # as socket.create_connection: the first one that answers
                try:
                    return self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                    error = e
            raise error

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            raise httpcore.ConnectError("unix sockets are not fetched")

        def sleep(self, seconds):
            self._inner.sleep(seconds)

    class Transport(httpx.BaseTransport):
        """Two connection pools: one that connects wherever the name resolves (a configured feed's own address,
        or all with allow_private_fetch), one that connects only to public addresses it checked itself."""

        def __init__(self):
            self._open = httpx.HTTPTransport()
            self._public = httpx.HTTPTransport()
            # HTTPTransport takes no network backend, so its pool is swapped for one with the checking backend
            # (same limits as httpx's defaults); a keep-alive connection is reused only for the host it was made to.
            self._public._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(), max_connections=100, max_keepalive_connections=20,
                keepalive_expiry=5.0, network_backend=PublicOnlyBackend())

        def handle_request(self, request):
            return (self._public if request.extensions.get(PUBLIC_ONLY) else self._open).handle_request(request)

        def close(self):
            self._open.close()
            self._public.close()

    return Transport, PublicOnlyBackend


class NotPublic(IngestError):
    """A non-public address met on the way to a URL; get() names the URL (and the redirect) in its message."""

    def __init__(self, message: str, address):
        super().__init__(message)
        self.address = address


def refusal(url: str, target: str, address) -> str:
    """The one-line problem for a URL (or one of its redirects) that leads to a non-public address."""
    via = "" if target == url else f"redirects to {redact(target)}, and "
    return (f"{redact(url)}: {via}{address} is not a public address; not fetched "
            "(set allow_private_fetch = true in the config for intranet addresses).")


# Beyond what ipaddress's is_global says (which changes between Python versions): the IETF protocol
# assignments (192.0.0.0/24: 192.0.0.8, .9, .10, .170, .192 ...), IPv4-compatible (::a.b.c.d, deprecated),
# local-use NAT64 (64:ff9b:1::/48), Teredo (2001::/32), IPv4-translated (::ffff:0:a.b.c.d) and site-local.
_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "192.0.0.0/24", "::/96", "64:ff9b:1::/48", "2001::/32", "::ffff:0:0:0/96", "fec0::/10"))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address) -> bool:
    """Whether an address (ipaddress object or text) is a public unicast one; an IPv6 address that carries an
    IPv4 one it is delivered to (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by that IPv4."""
    address = ipaddress.ip_address(str(address).split("%")[0])
    if address.version == 6:
        embedded = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None:
            return is_public_address(embedded)
    if any(address.version == n.version and address in n for n in _NOT_PUBLIC):
        return False
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list:
    """The addresses a host name (or literal) resolves to, in the resolver's order, each once."""
    found = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def check_public(url: str) -> None:
    """IngestError unless every address the URL's host resolves to is a public one: no loopback, private,
    link-local (cloud metadata), multicast or reserved ranges, nor IPv6 forms of them. A feed must not turn
    a cron job into a proxy into the operator's network. (The connection checks again: _transport_types.)"""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IngestError(f"{redact(url)}: only http(s) addresses are fetched; skipped.")
    try:
        addresses = _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError, ValueError) as e:
        raise FetchError(f"{redact(url)}: the host does not resolve ({e}); skipped.") from None
    for address in addresses:
        if not is_public_address(address):
            raise NotPublic(refusal(url, url, address), address)
