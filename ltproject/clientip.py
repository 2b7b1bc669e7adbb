"""The address a request came from, as lockouts and audit rows record it.

REMOTE_ADDR, unless LT runs behind TRUSTED_PROXY_COUNT reverse proxies that each append the
address they saw to X-Forwarded-For: then the entry the outermost trusted proxy appended.
Entries before it are whatever the client wrote, so they are never believed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    count: int = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return str(request.META.get("REMOTE_ADDR", ""))
