"""A holder sees only their own records — proven over every URL the project has.

The URL patterns are not listed here: they are walked from the resolver, so a
page, API resource or download added later is covered without editing this
file. Each pattern's kwargs are filled from its converter and kwarg name with
holder B's ids (every id of B's records where the name does not say which);
a kwarg this file cannot fill fails the test, naming the pattern, so the next
engineer teaches it here instead of it going unchecked.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.regex_helper import normalize

pytestmark = pytest.mark.django_db

# Parameter names a request may use to point at a record, sent as query-string and
# POST body fields (each with B's ids of that kind).
ID_PARAMS = {
    "note": "note", "note_id": "note", "holder": "holder", "holder_id": "holder",
    "payment": "payment", "payment_id": "payment", "statement": "statement",
    "conversion": "conversion", "notice": "notice", "notices": "notice", "series": "series",
    "offering": "offering", "election": "election", "user": "user", "pk": None, "id": None,
}

# Kwargs that name the kind of record they take.
NAMED_KWARGS = {
    **{name: kind for name, kind in ID_PARAMS.items() if kind},
    "note_pk": "note", "holder_pk": "holder", "payment_pk": "payment",
    "notice_id": "notice", "notice_pk": "notice", "conversion_id": "conversion",
    "conversion_pk": "conversion", "offering_id": "offering", "offering_pk": "offering",
    "series_id": "series", "statement_id": "statement", "user_id": "user",
    "election_id": "election", "event_id": "default_event", "address_id": "address",
}
# Kwargs that take any record's id: every id of B's is tried.
GENERIC_ID_KWARGS = {"pk", "id", "object_id", "content_type_id"}


@dataclass(frozen=True)
class Pattern:
    """A leaf URL pattern with its full path template and what its kwargs accept."""

    template: str  # "%(pk)s"-style, the prefixes of its includes joined
    params: tuple[str, ...]
    converters: dict
    callback: object
    name: str
    module: str

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.template}"


def _walk(patterns, prefix="", converters=None):
    converters = converters or {}
    for p in patterns:
        regex = p.pattern.regex.pattern
        template, params = normalize(regex)[0]
        here = {**converters, **getattr(p.pattern, "converters", {})}
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + template, here)
        elif isinstance(p, URLPattern):
            callback = p.callback
            view = getattr(callback, "view_class", None) or callback
            yield Pattern(
                template=prefix + template,
                params=tuple(dict.fromkeys(
                    list(_params(prefix)) + list(params)
                )),
                converters=here,
                callback=callback,
                name=p.name or "",
                module=getattr(view, "__module__", ""),
            )


def _params(template: str):
    import re

    return re.findall(r"%\((\w+)\)s", template)


def all_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def _ids(world, kind: str) -> list[int]:
    return world.ids_b.get(kind, [])


def _generic_ids(world) -> list[int]:
    """An id of each kind of B's records, none also an id of A's (that would be A's page)."""
    own = _own_ids(world)
    values = set()
    for kind, ids in world.ids_b.items():
        mine = [i for i in ids if i not in own]
        values.update(mine if kind == "note" else mine[:1])
    return sorted(values)


def _model_of(pattern: Pattern):
    """The model a view is about, where the view says so (admin pages, API viewsets)."""
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    viewset = getattr(pattern.callback, "cls", None)
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    return getattr(getattr(pattern.callback, "view_class", None), "model", None)


def _own_ids(world) -> set[int]:
    from notes.models import Payment
    from notices.models import Notice

    a = world.holder_a
    return {
        a.pk, world.note_a.pk, world.user_a.pk, world.offering.pk, world.note_a.series_id,
        *Payment.objects.filter(note__holder=a).values_list("pk", flat=True),
        *Notice.objects.filter(holder=a).values_list("pk", flat=True),
        *world.note_a.statements.values_list("pk", flat=True),
        *a.addresses.values_list("pk", flat=True),
    }


class CannotFill(Exception):
    pass


def kwarg_candidates(pattern: Pattern, name: str, world) -> list[str]:
    """URL text for one kwarg, from its name and converter, with B's ids."""
    converter = pattern.converters.get(name)
    to_url = converter.to_url if converter is not None else str
    model = _model_of(pattern)
    if name in NAMED_KWARGS:
        values = _ids(world, NAMED_KWARGS[name])
    elif name in {"pk", "id", "object_id"} and model in world.kind_of_model:
        # B's records of the model the page is about.
        values = _ids(world, world.kind_of_model[model])
    elif name in {"pk", "id", "object_id"} and model is not None:
        values = _generic_ids(world)[:1]  # a model B has none of: any id will do
    elif name in GENERIC_ID_KWARGS or isinstance(converter, IntConverter):
        values = _generic_ids(world)
    elif name == "format":
        values = ["json"]
    elif name == "app_label":
        values = ["notes", "holders", "offerings", "notices"]
    elif name == "url":  # the admin's catch-all
        values = [f"no-such-page/{world.notes_b[0].pk}/"]
    elif name == "uidb64":
        values = [urlsafe_base64_encode(force_bytes(world.user_b.pk))]
    elif name in {"token", "key"}:
        values = ["set-password", f"{uuid.uuid4().hex}"]
    else:
        raise CannotFill(
            f"{pattern}: no rule fills the kwarg {name!r} "
            f"({type(converter).__name__ if converter else 'regex group'}). Teach "
            "tests/portal/test_privacy.py what it takes so holder B's value is tried."
        )
    return [to_url(v) for v in values]


def pattern_paths(pattern: Pattern, world) -> list[str]:
    """Every path of the pattern with B's values, keeping those that resolve to it."""
    if not pattern.params:
        return ["/" + pattern.template]
    choices = [kwarg_candidates(pattern, name, world) for name in pattern.params]
    paths = []
    for combo in itertools.product(*choices):
        path = "/" + pattern.template % dict(zip(pattern.params, combo, strict=True))
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.func is pattern.callback:
            paths.append(path)
    if not paths:
        raise CannotFill(f"{pattern}: none of B's values makes a path that resolves to it")
    return paths


# --- What a refusal may look like --------------------------------------------------

OWN_MODULE_ROOTS = ("portal.", "django.contrib.auth.", "accounts.")
# The container platform's probes answer anyone, with no record in them (checked for
# leaks like every page).
PUBLIC_PROBES = {"healthz", "readyz"}


def _own_page(pattern: Pattern) -> bool:
    """The holder's own pages, and the login/logout/password/second-factor pages."""
    if pattern.name in {"login", "logout"} | PUBLIC_PROBES:  # the admin's login/logout too
        return True
    return pattern.module.startswith(OWN_MODULE_ROOTS) or pattern.module.split(".")[0] in {
        "accounts", "two_factor", "django_otp", "axes",
    }


def _redirect_ok(response, world) -> bool:
    location = urlsplit(response["Location"])
    if location.netloc:
        return False
    if location.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(location.path)
    except Resolver404:
        return False
    name = match.view_name
    # The admin's index sends a holder on to the admin's login page.
    # "/" sends a holder on to the portal's home.
    if name in {"login", "admin:login", "admin:index", "portal-home", "home"}:
        return True
    if name.startswith("portal-") and match.kwargs.get("note_pk") == world.note_a.pk:
        return True
    return _own_page_func(match.func)


def _own_page_func(func) -> bool:
    view = getattr(func, "view_class", None) or func
    return getattr(view, "__module__", "").startswith(OWN_MODULE_ROOTS)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if content.startswith(b"%PDF"):
        from tests.portal.pdfs import pdf_text

        return pdf_text(content)
    return content.decode("utf-8", "replace")


def _check(response, *, pattern, method, path, world, b_kwargs: bool, problems: list):
    body = _body(response)
    leaked = [m for m in world.markers_b if m in body]
    if leaked:
        problems.append(f"{method} {path} [{pattern}] shows B's {leaked}")
    status = response.status_code
    if status in (403, 404, 405):  # 405: a method the page refuses before reading anything
        return
    if status in (301, 302, 303, 307, 308):
        if not _redirect_ok(response, world):
            problems.append(f"{method} {path} [{pattern}] redirects to {response['Location']}")
        return
    if status == 200 and _own_page(pattern) and not (
        b_kwargs and pattern.module.startswith("portal.")
    ):
        return  # the holder's own page (or login/password page), checked for leaks above
    problems.append(f"{method} {path} [{pattern}] answered {status}")


def _sweep(client, world, patterns, *, with_params: bool) -> list[str]:
    problems: list[str] = []
    relogin = True
    query = {name: (_ids(world, kind) if kind else _generic_ids(world))[:1]
             for name, kind in ID_PARAMS.items()}
    flat = {name: values[0] for name, values in query.items() if values}
    for pattern in patterns:
        for path in pattern_paths(pattern, world):
            if with_params:
                requests = [("GET", f"{path}?{urlencode(flat)}", None), ("POST", path, flat)]
            else:
                requests = [("GET", path, None), ("POST", path, {})]
            for method, url, data in requests:
                if relogin:
                    client.force_login(world.user_a)
                # A logout or a login form must not change who asks next.
                relogin = _own_page(pattern)
                response = client.get(url) if method == "GET" else client.post(url, data=data)
                _check(response, pattern=pattern, method=method, path=url, world=world,
                       b_kwargs=bool(pattern.params), problems=problems)
    return problems


def test_every_url_with_holder_bs_ids_refuses_holder_a(client, world):
    patterns = all_patterns()
    # The walk found the portal's pages and the staff and API pages it must refuse.
    names = {p.name for p in patterns}
    assert {"portal-note", "portal-notice-document", "portal-election-form",
            "note-detail", "note-list", "app_list"} <= names
    problems = _sweep(client, world, patterns, with_params=True)
    assert not problems, "\n".join(problems[:60])


def test_the_substitution_reaches_holder_bs_records(client, world):
    """The same paths, asked by B, show B's records: A's refusals are about ownership,
    not paths that lead nowhere."""
    portal = [p for p in all_patterns() if p.module.startswith("portal.") and p.params]
    assert portal
    for pattern in portal:
        client.force_login(world.user_b)
        answers = {path: client.get(path).status_code for path in pattern_paths(pattern, world)}
        assert 200 in answers.values(), f"{pattern}: B reaches none of {answers}"


def test_a_pattern_whose_kwarg_cannot_be_filled_fails_loudly(world):
    unknown = Pattern(template="things/%(gizmo)s/", params=("gizmo",), converters={},
                      callback=None, name="thing", module="things.views")
    with pytest.raises(CannotFill, match="gizmo"):
        pattern_paths(unknown, world)


def test_holders_get_403_or_a_redirect_on_staff_pages_admin_and_the_api(client, world):
    """With A's own ids too: no staff page, admin page or API answers a holder."""
    problems = []
    own = {"note": [world.note_a.pk], "holder": [world.holder_a.pk]}
    for pattern in all_patterns():
        if _own_page(pattern):
            continue
        paths = ["/" + pattern.template] if not pattern.params else [
            "/" + pattern.template % {
                name: (pattern.converters[name].to_url(v) if name in pattern.converters
                       else str(v))
                for name, v in zip(pattern.params, combo, strict=True)
            }
            for combo in itertools.product(*[
                own.get(NAMED_KWARGS.get(n, ""), [world.note_a.pk]) if n not in {
                    "format", "app_label", "url", "token", "uidb64", "key"}
                else [{"format": "json", "app_label": "notes", "url": "x"}.get(n, "t")]
                for n in pattern.params
            ])
        ]
        for path in paths:
            client.force_login(world.user_a)
            response = client.get(path)
            if response.status_code in (200, 201, 204):
                problems.append(f"GET {path} [{pattern}] answered {response.status_code}")
            elif response.status_code in (301, 302) and not _redirect_ok(response, world):
                problems.append(f"GET {path} [{pattern}] redirects to {response['Location']}")
    assert not problems, "\n".join(problems[:40])


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    problems = []
    for pattern in all_patterns():
        for path in pattern_paths(pattern, world)[:2]:
            response = client.get(path)
            status = response.status_code
            if status in (301, 302):
                location = response["Location"]
                static = location.startswith("/" + settings.STATIC_URL.lstrip("/"))
                if not static and resolve(urlsplit(location).path).view_name not in {
                    "login", "admin:login", "admin:index"  # the admin's index: to its login
                }:
                    problems.append(f"{path} [{pattern}] redirects to {response['Location']}")
            elif status == 200:
                if pattern.name in PUBLIC_PROBES:
                    pass  # answers anyone; checked for leaks below
                elif not _own_page(pattern) or pattern.module.startswith("portal."):
                    problems.append(f"{path} [{pattern}] answered 200 to an anonymous visitor")
            elif status not in (401, 403, 404, 405):
                problems.append(f"{path} [{pattern}] answered {status}")
            body = _body(response)
            if any(m in body for m in world.markers_b):
                problems.append(f"{path} [{pattern}] shows B's records to an anonymous visitor")
    assert not problems, "\n".join(problems[:40])
    # The portal's pages, precisely: to the login page, then back.
    for name in ("portal-home",):
        response = client.get(f"/{[p for p in all_patterns() if p.name == name][0].template}")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/portal/")
