"""IP-to-region lookup, pluggable through WALLETDESK_IDENTITY["REGION_PROVIDER"].

Region names are English msgids; pages translate them when they show them.

The built-in provider knows private ranges and a few public blocks, enough for the demo. To use a
full database (for example a MaxMind GeoLite2 or ip2region file), point the setting at a callable
`(ip: str) -> str` that returns a short region name or "".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

_BUILTIN: list[tuple[str, str]] = [
    ("1.80.0.0/13", gettext_noop("Shaanxi, China")),
    ("14.0.0.0/12", gettext_noop("Guangdong, China")),
    ("27.115.0.0/17", gettext_noop("Shanghai, China")),
    ("36.110.0.0/16", gettext_noop("Beijing, China")),
    ("58.246.0.0/15", gettext_noop("Shanghai, China")),
    ("61.135.0.0/16", gettext_noop("Beijing, China")),
    ("113.64.0.0/11", gettext_noop("Guangdong, China")),
    ("116.228.0.0/15", gettext_noop("Shanghai, China")),
    ("202.96.0.0/12", gettext_noop("China")),
    ("203.198.0.0/16", gettext_noop("Hong Kong")),
    ("8.8.8.0/24", gettext_noop("United States")),
    ("81.2.69.0/24", gettext_noop("United Kingdom")),
    ("203.0.113.0/24", gettext_noop("Documentation network A")),
    ("198.51.100.0/24", gettext_noop("Documentation network B")),
]
_NETWORKS = [(ipaddress.ip_network(net), name) for net, name in _BUILTIN]


def builtin_region(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if address.is_loopback or address.is_private:
        return gettext_noop("Local network")
    for network, name in _NETWORKS:
        if address in network:
            return name
    return ""


@cache
def _provider(path: str) -> Callable[[str], str]:
    provider: Callable[[str], str] = import_string(path)
    return provider


def region_for(ip: str) -> str:
    return _provider(settings.WALLETDESK_IDENTITY["REGION_PROVIDER"])(ip)[:64]


def ip_prefix(ip: str) -> str:
    """/24 for IPv4, /48 for IPv6: the "same network" heuristic for new-device alerts."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
