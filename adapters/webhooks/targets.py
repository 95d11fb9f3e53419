"""Which hosts webhooks may reach: public addresses only, unless the service allows private ones.

A webhook URL naming a loopback, private, link-local (cloud metadata) or other non-public address
would let anyone who manages a project make the service send requests inside its own network. In
production they are refused (TASKBOARD_WEBHOOK_ALLOW_PRIVATE=true allows them), twice: when the URL
is given, for what the URL itself says (an address, `localhost`), and at every delivery, for the
addresses its host name resolves to then, the address connected to being the one checked.
"""

import asyncio
import socket
from collections.abc import Awaitable, Callable
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import urlsplit

from domain.errors import ValidationFailed

Address = IPv4Address | IPv6Address
# A host name and port to the addresses they resolve to.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedAddress(Exception):
    """A delivery's host resolves to an address deliveries may not reach."""


def is_public(address: Address) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def _names_this_machine(host: str) -> bool:
    # RFC 6761: localhost and every name under it resolve to loopback.
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


class AddressPolicy:
    """The WebhookTargets of the service, and the check of each delivery's address."""

    def __init__(self, *, allow_private: bool, resolve: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolve or _resolve

    def ensure_allowed(self, url: str) -> None:
        if self.allow_private:
            return
        host = urlsplit(url).hostname or ""
        literal = _literal(host)
        if _names_this_machine(host) or (literal is not None and not is_public(literal)):
            raise ValidationFailed(
                "must not name a loopback or private address (TASKBOARD_WEBHOOK_ALLOW_PRIVATE)", field="url"
            )

    async def address_to_connect(self, host: str, port: int) -> Address:
        """The address a delivery to `host` connects to: its first, all of them being public."""
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            # An IPv6 address may come with its zone ("fe80::1%eth0"): such are link-local anyway.
            addresses = [ip_address(found.partition("%")[0]) for found in await self._resolve(host, port)]
        if not addresses or not all(is_public(address) for address in addresses):
            raise RefusedAddress(f"{host} is or resolves to a loopback or private address, refused here")
        return addresses[0]


async def _resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]
