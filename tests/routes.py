"""The site's URL patterns as route strings, for tests that walk every route."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

# A route's parameters: <converter:name> or <name>.
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def all_routes() -> list[tuple[str, str]]:
    """(namespaced name, route) of every URL pattern."""
    return _walk(get_resolver().url_patterns)


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry.url_patterns, route, ns))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name or ''}", route))
    return found
