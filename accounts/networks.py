"""Separated-network rules: which client address a request comes from and whether it may come from there.

Plain Python (no Django import) so the rules are tested on their own; the settings pass the CIDR lists in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The production default when a role's list is not configured: loopback and the private ranges a
# separated network uses. Anything routable on the internet is refused.
PRIVATE_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
ANYWHERE = ("0.0.0.0/0", "::/0")


def parse_networks(values: Iterable[str], *, setting: str = "networks") -> tuple[Network, ...]:
    """Parses CIDR strings (a bare address means that one host); raises ValueError naming the bad item."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {value!r} is not an IP network in CIDR notation") from None
    return tuple(networks)


def parse_address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is still that IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def address_in(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: Sequence[Network]) -> bool:
    if address is None:
        return False
    return any(address.version == network.version and address in network for network in networks)


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]) -> str:
    """The client's address: X-Forwarded-For is believed only hop by hop through trusted proxies.

    Walks the chain from the right (the hop nearest us) and stops at the first address that is not a
    trusted proxy, so a client cannot pick its own address by sending the header itself.
    """
    peer = parse_address(remote_addr)
    if peer is None:
        return remote_addr or ""
    if not forwarded_for or not address_in(peer, trusted_proxies):
        return str(peer)
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break
        client = address
        if not address_in(address, trusted_proxies):
            break
    return str(client)
