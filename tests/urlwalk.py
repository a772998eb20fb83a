"""The project's URL patterns, and a real path for each found through the pages' links.

One walk for tests/test_url_fuzz.py, tests/browser/every_page.py and
bench/bench_urls.py: `url_patterns` lists every pattern of the URL conf (the
admin's and the API's too: callers pick), `fill` puts values in a route, and
`walk` follows the links a user's pages show to a path for each pattern.
"""

import re
from dataclasses import dataclass, field

from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Pattern:
    route: str  # "stunting/anak/<int:pk>/", regex anchors removed
    name: str | None  # with its namespace: "api:child-detail"; None if unnamed
    arguments: dict  # argument name -> the regex it must match
    app: str  # app_name of the outermost include: "admin", "api", or ""

    @property
    def key(self):
        """What names the pattern in a table: its view name, else its route."""
        return self.name or self.route


def url_patterns(resolver=None, prefix="", namespace="", app=""):
    """Every pattern of the URL conf, includes walked recursively, in order."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(
                entry,
                route,
                namespace + (f"{entry.namespace}:" if entry.namespace else ""),
                app or entry.app_name or "",
            )
            continue
        yield Pattern(
            route=route.replace("^", "").replace("$", ""),
            name=namespace + entry.name if entry.name else None,
            arguments=_arguments(entry),
            app=app,
        )


def _arguments(entry):
    regex = entry.pattern.regex.pattern
    return {
        name: re.search(rf"\(\?P<{name}>(.*?)\)", regex).group(1)
        for name in entry.pattern.regex.groupindex
    }


def fill(route, value):
    """The path of `route` with each argument replaced by `value`.

    value: one text for all arguments, or a function of the argument's name.
    """
    if callable(value):
        return "/" + ARGUMENT.sub(lambda m: value(m.group(1) or m.group(2)), route)
    return "/" + ARGUMENT.sub(value, route)


def links(response):
    """The app's paths an HTML response links to or posts its forms to."""
    if "html" not in response.get("Content-Type", ""):
        return []
    # A form's action may be the only way to a view.
    # A search box's endpoint is named in its data-choice-search attribute.
    return re.findall(
        r'(?:href|action|data-choice-search)="(/[^"#?]*)', response.content.decode()
    )


def is_page(response):
    return response.status_code == 200 and "text/html" in response.get(
        "Content-Type", ""
    )


@dataclass
class Walk:
    found: dict = field(default_factory=dict)  # view name -> a path
    values: dict = field(default_factory=dict)  # argument name -> a value seen
    pages: dict = field(default_factory=dict)  # view name -> path of an HTML page
    refused: dict = field(default_factory=dict)  # 403/404 -> a path that gave it


def walk(client, patterns, *, fallback=None, max_pages=None, guess=True):
    """A path for each pattern, found through the links of the client's pages.

    Starts from the patterns without arguments and follows each view's first link
    once (breadth first; at most `max_pages` HTML pages are kept). A pattern no
    link reaches takes its path from `fallback` (view name -> path); then, with
    `guess`, an API detail route takes the first row of its list, and any other
    pattern the argument values seen in links (a region code, an id).
    """
    result = Walk()
    names = {p.name for p in patterns}
    result.found = {p.name: fill(p.route, "") for p in patterns if not p.arguments}
    queue = list(result.found.items())
    seen = set()

    def visit(name, path):
        if path in seen or (max_pages and len(result.pages) >= max_pages):
            return
        seen.add(path)
        response = client.get(path)
        if is_page(response):
            result.pages[name] = path
        elif response.status_code in (403, 404):
            result.refused.setdefault(response.status_code, path)
        for link in links(response):
            try:
                match = resolve(link)
            except Resolver404:
                continue
            for key, value in match.kwargs.items():
                result.values.setdefault(key, str(value))
            if match.view_name in names and match.view_name not in result.found:
                result.found[match.view_name] = link
                queue.append((match.view_name, link))

    while queue:
        visit(*queue.pop(0))
    for name, path in (fallback or {}).items():
        if name in names and name not in result.found:
            result.found[name] = path
            visit(name, path)
    for p in patterns if guess else []:
        if p.arguments and p.name not in result.found:
            path = _api_detail(client, p) if p.app == "api" else None
            if path is None and set(p.arguments) <= set(result.values):
                path = fill(p.route, result.values.get)
            if path is not None:
                result.found[p.name] = path
    return result


def _api_detail(client, pattern):
    """An API detail route filled with the first row of its list."""
    listing = client.get(fill(pattern.route.split("(?P")[0], ""))
    rows = listing.json() if listing.status_code == 200 else {}
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    if rows and isinstance(rows, list) and isinstance(rows[0], dict):
        key = rows[0].get("id", rows[0].get("code"))
        if key is not None:
            return fill(pattern.route, str(key))
    return None
