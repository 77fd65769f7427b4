"""The role matrix (issue 18): for each role in team A, and for nobody's role,
every page, fragment and API endpoint of a team B conversation, message,
channel, team or setting is refused (403/404, or 405 for a method the URL does
not serve) and nothing in the database changes; viewers are refused every
write, even on their own team's conversations.

The test walks the URLconf (``get_resolver()``, through every include), so a
new URL is covered the day it is added. Each pattern is classified by its
route (``CLASSIFY`` below, first match wins):

- a *team B object* kind (conversation, message, channel, team, rule, ...):
  its URL kwargs are filled from a team B object of that kind, and GET, GET as
  an htmx fragment and POST must all be refused with nothing changed;
- ``scoped``: a page or endpoint with no object in its path (lists, search,
  dashboards, forms that create): GET with team B ids in the query string must
  show nothing of team B, and POST with team B ids in the body must change
  nothing;
- ``org_*``: an organisation-wide object, no team's (labels, house rules,
  the abuse word list, the keyword lists): checked like ``scoped``, except
  that a manager of any team may change it (they keep these for everyone);
- ``public`` / ``self``: sign-in, health probes, webhooks (signed), one's own
  account: skipped, each with its reason in ``SKIPPED``.

A pattern with URL kwargs that no rule classifies fails the test: add a rule
(the kind of object its kwargs name) to ``CLASSIFY``. A kwarg-less pattern is
``scoped`` unless listed. Admins are not in the matrix: admin is global on
purpose (accounts.access).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import ApiToken, Membership, ReplyApprovalRule, Role, UserSession
from escalation.models import (
    CrisisMode,
    Escalation,
    EscalationRule,
    ExceptionKind,
    HoursException,
    KeywordList,
    ResponseTarget,
    StaffedHours,
)
from events.models import Event
from inbox.models import (
    AbuseTerm,
    CannedResponse,
    Conversation,
    ConversationRead,
    DeliveryState,
    Direction,
    HouseRule,
    Label,
    MediaKind,
    MessageMedia,
    Note,
    Presence,
    SavedView,
)
from kpis.models import RecomputeJob
from records.models import LegalHold, RecordsExport
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    MessageFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Text that exists only in team B's data: a response that contains it leaked.
MARK = "zqxB"

# (route regex, kind). First match wins. Kinds other than scoped/org/public/self
# name the team B object whose pk fills the pattern's kwargs (see _kwargs).
CLASSIFY: list[tuple[str, str]] = [
    (r"^admin/(login|logout|jsi18n)/$", "public"),
    (r"^admin/", "admin_site"),
    (r"^inbox/c/<int:pk>/", "conversation"),
    (r"^inbox/media/<int:pk>/", "media"),
    (r"^api/conversations/<int:pk>/", "conversation"),
    (r"^api/messages/<int:mid>/", "message"),
    (r"^channels/<int:pk>/", "channel"),
    (r"^(api/)?settings/teams/<int:pk>/", "team"),
    # Settings of one channel (staffed hours and closures, out-of-hours texts,
    # retention): the pk is team B's channel.
    (r"^(api/)?settings/(hours|out-of-hours|retention)/<int:pk>/", "channel"),
    (r"^(api/)?settings/targets/<int:pk>/", "target"),
    (r"^(api/)?settings/canned-responses/<int:pk>/", "canned"),
    (r"^(api/)?settings/(approval-rules|approvals/rules)/<int:pk>/", "approval_rule"),
    (r"^(api/)?settings/(approvers|approvals/approvers)/<int:pk>/", "membership"),
    (r"^(api/)?settings/detractors/<int:pk>/", "contact"),
    (r"^(api/)?settings/legal-holds/<int:pk>/", "hold"),
    (r"^(api/)?settings/api-tokens/<int:pk>/", "token"),
    # Organisation-wide objects, no team's: shared labels, the published house
    # rules, the abuse word list, the escalation keyword lists.
    (r"^(api/)?settings/labels/<int:pk>/", "org_label"),
    (r"^(api/|inbox/)?settings/house-rules/<int:pk>/", "org_house_rule"),
    (r"^(api/)?settings/(abuse-terms|abuse-shield/terms)/<int:pk>/", "org_abuse_term"),
    (r"^(api/)?settings/escalation-keywords/<slug:key>/", "org_keywords"),
    (r"^(escalation/|api/settings/escalation-)rules/<int:pk>/", "rule"),
    (r"^escalation/e/<int:pk>/", "escalation"),
    (r"^escalation/crisis/<int:pk>/", "crisis"),
    (r"^records/exports/<int:pk>/", "export"),
    (r"^(inbox/views|api/saved-views)/<int:pk>/", "saved_view"),
    (r"^account/sessions/<int:pk>/", "session"),
    (r"^account/tokens/<int:pk>/", "token"),
    (r"^kpis/rebuild/<int:pk>/", "recompute_job"),
    (r"^kpis/export/<slug:name>/<slug:table>\.csv$", "scoped"),
    (r"^audit/export\.<str:fmt>$", "scoped"),
    (r"^account/password-reset/<uidb64>/<token>/$", "public"),
]

# Patterns not walked, and why. Everything else is.
SKIPPED: dict[str, str] = {
    "": "redirects to the inbox",
    "favicon.ico": "a static redirect",
    "login/": "signing in is public",
    "logout/": "would end the session the walk runs in",
    "sso/start/": "single sign-on hand-off to the identity provider, public",
    "sso/callback/": "single sign-on return, checked by the provider's signed state",
    "admin/login/": "the admin's sign-in form, public",
    "admin/logout/": "would end the session the walk runs in",
    "admin/jsi18n/": "a static catalogue of strings",
    "account/password-reset/": "public by design (ASVS: answers alike for every address)",
    "account/password-reset/sent/": "public confirmation page",
    "account/password-reset/<uidb64>/<token>/": "public, guarded by the signed token",
    "webhooks/x/": "network deliveries, refused without the network's signature",
    "webhooks/facebook/": "network deliveries, refused without the network's signature",
    "health/live": "liveness probe, public",
    "health/ready": "readiness probe, public",
    "metrics": "Prometheus scrape, guarded by its own token",
    "api/schema/": "the API's description, the same for everyone",
    "api/docs/": "the API's documentation page, the same for everyone",
    # One's own account: the person is the object, there is no team B in it.
    "account/security/": "one's own account",
    "account/waiting/": "one's own account",
    "account/reauth/": "one's own account",
    "account/mfa/verify/": "one's own account",
    "account/mfa/setup/": "one's own account",
    "account/mfa/recovery-codes/": "one's own account",
    "account/tokens/new/": "one's own account",
    "account/email/": "one's own account",
    "account/notifications/": "one's own account",
    "account/password/": "one's own account",
}

# State that reading a conversation writes for the reader, not a change to it.
NOT_STATE = {Presence, ConversationRead, UserSession}

# A viewer may POST these on their own team's conversations: the presence
# heartbeat says "I have this open" (their own Presence row, excluded above).
VIEWER_MAY_POST = {"inbox:presence", "api:conversation_presence"}

REFUSED = {403, 404}


@dataclass(frozen=True)
class Url:
    route: str
    name: str
    pattern: URLPattern
    kwarg_names: tuple[str, ...]


def _walk(resolver: URLResolver, prefix: str = "", namespace: tuple = ()) -> Iterator[Url]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        else:
            route = prefix + str(entry.pattern)
            # Both <conv:name> routes and the admin's (?P<name>...) regexes.
            names = tuple(re.findall(r"(?:\(\?P)?<(?:\w+:)?(\w+)>", route))
            name = ":".join((*namespace, entry.name or "?"))
            yield Url(route, name, entry, names)


def all_urls() -> list[Url]:
    return list(_walk(get_resolver()))


def classify(url: Url) -> str | None:
    if url.route in SKIPPED:
        return "skip"
    for regex, kind in CLASSIFY:
        if re.search(regex, url.route):
            return kind
    return None if url.kwarg_names else "scoped"


# --- team B's world ----------------------------------------------------------------------


@dataclass
class World:
    team_a: object
    team_b: object
    channel_b: object
    conversation_b: object
    message_b: object
    held_b: object
    b_officer: object
    b_manager: object
    objects: dict


@pytest.fixture
def world(db) -> World:
    team_a = TeamFactory(name="Team A", slug="team-a")
    channel_a = ChannelFactory(name="Channel A", covered_by=[team_a])
    ConversationFactory(channel=channel_a)
    team_b = TeamFactory(name=f"Team {MARK}", slug="team-b")
    channel_b = ChannelFactory(name=f"Channel {MARK}", covered_by=[team_b])
    b_officer = UserFactory(username="b-officer", display_name=f"Officer {MARK}")
    b_manager = UserFactory(username="b-manager", display_name=f"Manager {MARK}")
    b_officer_membership = Membership.objects.create(user=b_officer, team=team_b, role=Role.OFFICER)
    Membership.objects.create(user=b_manager, team=team_b, role=Role.MANAGER)
    contact = ContactFactory(
        handle=f"citizen_{MARK}", display_name=f"Citizen {MARK}", is_detractor=True
    )
    conv = ConversationFactory(
        channel=channel_b, contact=contact, last_message_preview=f"pothole {MARK}"
    )
    message = MessageFactory(conversation=conv, text=f"A pothole on Mill Lane {MARK}")
    held = MessageFactory(
        conversation=conv,
        direction=Direction.OUT,
        state=DeliveryState.AWAITING_APPROVAL,
        author_contact=None,
        author_user=b_officer,
        external_id="",
        text=f"Held reply {MARK}",
    )
    Note.objects.create(conversation=conv, author=b_officer, text=f"note {MARK}")
    now = timezone.now()
    rule = EscalationRule.objects.create(name=f"Rule {MARK}", keywords="flood")
    rule.channels.set([channel_b])
    objects = {
        "conversation": {"pk": conv.pk, "mid": message.pk},
        "message": {"mid": held.pk},
        "channel": {"pk": channel_b.pk, "exception_pk": _closure(channel_b).pk},
        "media": {
            "pk": MessageMedia.objects.create(
                message=message,
                position=0,
                kind=MediaKind.IMAGE,
                alt_text=f"Photo {MARK}",
                url="http://127.0.0.1:9/pothole.jpg",
            ).pk,
            "variant": "thumb",
        },
        "target": {
            "pk": ResponseTarget.objects.create(
                channel=channel_b, target_minutes=15, limit_minutes=30
            ).pk
        },
        "canned": {"pk": _canned(team_b).pk},
        "approval_rule": {
            "pk": ReplyApprovalRule.objects.create(team=team_b, note=f"Rule {MARK}").pk
        },
        "membership": {"pk": b_officer_membership.pk},
        "contact": {"pk": contact.pk},
        "hold": {
            "pk": LegalHold.objects.create(
                conversation=conv, reason=f"Claim {MARK}", created_by=b_manager
            ).pk
        },
        "team": {"pk": team_b.pk, "user_pk": b_officer.pk},
        "rule": {"pk": rule.pk},
        "escalation": {
            "pk": Escalation.objects.create(
                rule=rule,
                conversation=conv,
                channel=channel_b,
                trigger_key="t",
                cycle=now,
                reason=f"flood {MARK}",
                raised_at=now,
            ).pk
        },
        "crisis": {"pk": _crisis(channel_b, team_b, b_manager).pk},
        "export": {"pk": RecordsExport.objects.create(requested_by=b_manager, contact=contact).pk},
        "saved_view": {
            "pk": SavedView.objects.create(owner=b_officer, name=f"View {MARK}", team=team_b).pk
        },
        "session": {"pk": UserSession.objects.create(user=b_officer, session_key="b" * 32).pk},
        "token": {
            "pk": ApiToken.objects.create(
                user=b_officer, name=f"Token {MARK}", key_hash="b" * 64, prefix="bbbb"
            ).pk
        },
        "recompute_job": {
            "pk": RecomputeJob.objects.create(
                since=now.date() - timedelta(days=2), until=now.date()
            ).pk
        },
        # Organisation-wide: no team B marker in them, everyone may read them.
        "org_house_rule": {"pk": HouseRule.objects.create(title="Be kind", text="No abuse").pk},
        "org_label": {"pk": Label.objects.create(name="Potholes").pk},
        "org_abuse_term": {"pk": AbuseTerm.objects.create(term="idiot").pk},
        "org_keywords": {"key": _keyword_list().key},
        "scoped": {"name": "channels", "table": "channels", "fmt": "csv"},
    }
    return World(team_a, team_b, channel_b, conv, message, held, b_officer, b_manager, objects)


def _closure(channel):
    hours = StaffedHours.objects.create(channel=channel)
    return HoursException.objects.create(
        hours=hours,
        kind=ExceptionKind.CLOSED,
        starts_on=timezone.localdate() + timedelta(days=3),
        reason=f"Training {MARK}",
    )


def _canned(team):
    canned = CannedResponse.objects.create(title=f"Canned {MARK}", text="Thanks {first_name}")
    canned.teams.set([team])
    return canned


def _keyword_list():
    return KeywordList.objects.get_or_create(
        key="threats", defaults={"name": "Threats", "terms": ["kill"]}
    )[0]


def _crisis(channel, team, manager):
    crisis = CrisisMode.objects.create(
        title=f"Flood {MARK}",
        holding_statement="We know",
        crisis_team=team,
        started_by=manager,
        started_at=timezone.now(),
    )
    crisis.channels.set([channel])
    return crisis


def _admin_kwargs(world: World) -> dict:
    return {
        "object_id": str(world.team_b.pk),
        "content_type_id": "1",
        "app_label": "accounts",
        "url": "accounts/team/",
        "id": str(world.b_officer.pk),
        "pk": world.b_officer.pk,
    }


def _kwargs(url: Url, kind: str, world: World) -> dict:
    source = _admin_kwargs(world) if kind == "admin_site" else world.objects.get(kind, {})
    missing = [k for k in url.kwarg_names if k not in source]
    assert not missing, f"{url.route}: no team B value for {missing} (kind {kind})"
    return {k: source[k] for k in url.kwarg_names}


def _path(url: Url, kind: str, world: World) -> str:
    from django.urls import reverse

    kwargs = _kwargs(url, kind, world)
    if url.name.endswith("?"):  # unnamed (the admin's object redirect): build by hand
        path = "/" + url.route
        for k, v in kwargs.items():
            path = re.sub(rf"\(\?P<{k}>[^)]*\)|<(?:\w+:)?{k}>", str(v), path)
        return path.replace("^", "").replace("$", "")
    return reverse(url.name, kwargs=kwargs)


def _query(world: World) -> dict:
    """Team B's ids under every name the list pages and endpoints filter on."""
    ids = {
        "channel": world.channel_b.pk,
        "team": world.team_b.pk,
        "conversation": world.conversation_b.pk,
        "person": world.b_officer.pk,
        "assignee": world.b_officer.pk,
        # Words of team B's message, not the marker: a page may echo the query.
        "q": "pothole",
    }
    return {k: str(v) for k, v in ids.items()}


def _body(world: World) -> dict:
    """A POST body pointing at team B's objects, and nothing that would make a
    valid organisation-wide change on its own (no names, no titles)."""
    return {
        "ids": [world.conversation_b.pk],
        "conversations": [world.conversation_b.pk],
        "conversation": world.conversation_b.pk,
        "channels": [world.channel_b.pk],
        "channel": world.channel_b.pk,
        "team": world.team_b.pk,
        "message": world.held_b.pk,
        "action": "resolve",
        "status": "resolved",
    }


# --- the state that must not change ------------------------------------------------------


def _models():
    ours = ("accounts", "inbox", "escalation", "records", "kpis", "events", "audit", "ops")
    found = []
    for label in ours:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        found += [m for m in config.get_models(include_auto_created=True) if m not in NOT_STATE]
    return found


# Events that record a person reading, not a change: exporting the audit log
# logs who took a copy (of what they may see).
READ_EVENTS = ("audit.exported",)


def snapshot() -> dict[str, str]:
    state = {}
    for model in _models():
        rows_qs = model._default_manager.order_by("pk")
        if model is Event:
            rows_qs = rows_qs.exclude(type__in=READ_EVENTS)
        rows = list(rows_qs.values_list())
        state[model._meta.label] = sha256(repr(rows).encode()).hexdigest()
    return state


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before if before[k] != after[k])


# --- the walk ----------------------------------------------------------------------------


def _acting(role: str | None, world: World):
    user = UserFactory(username=f"acting-{role or 'nobody'}")
    if role is not None:
        Membership.objects.create(user=user, team=world.team_a, role=role)
    return user


def _attempts(client, path: str, world: World, query: dict | None = None):
    """GET, GET as an htmx fragment, and POST (form and JSON)."""
    yield "GET", client.get(path, query)
    yield "GET htmx", client.get(path, query, headers={"HX-Request": "true"})
    yield "POST", client.post(path, _body(world))
    yield "POST json", client.post(path, _body(world), content_type="application/json")


def _sent_to_waiting(response) -> bool:
    """Someone in no team is sent to "waiting for access" from every page
    (accounts.middleware): a refusal that names nothing."""
    target = response.get("Location") or response.get("HX-Redirect") or ""
    return response.status_code in (302, 204) and target.startswith("/account/waiting/")


def _check_object_url(client, url, kind, world, problems):
    path = _path(url, kind, world)
    before = snapshot()
    for method, response in _attempts(client, path, world):
        # The admin site sends everyone but admins to its sign-in page.
        to_admin_login = response.status_code == 302 and "/admin/login/" in response["Location"]
        if kind == "admin_site" and to_admin_login:
            continue
        if _sent_to_waiting(response):
            continue
        if response.status_code not in REFUSED | {405}:
            problems.append(f"{method} {path} ({url.name}, {kind}): {response.status_code}")
    changed = _changed(before, snapshot())
    if changed:
        problems.append(f"{path} ({url.name}): changed {changed}")


def _is_org(kind: str) -> bool:
    return kind.startswith("org_")


def _check_scoped_url(client, url, kind, world, problems, *, may_change=False):
    path = _path(url, kind, world)
    before = snapshot()
    for method, response in _attempts(client, path, world, _query(world)):
        if response.status_code >= 500:
            problems.append(f"{method} {path} ({url.name}): {response.status_code}")
        body = b"".join(response) if response.streaming else response.content
        if MARK.encode() in body:
            problems.append(f"{method} {path} ({url.name}) shows team B's data")
    changed = _changed(before, snapshot())
    if changed and not may_change:
        problems.append(f"{path} ({url.name}): changed {changed}")


def _walk_as(client, user, world, role) -> tuple[list[str], int]:
    # Signed in once: the URLs that end a session are skipped.
    client.force_login(user)
    problems: list[str] = []
    walked = 0
    for url in all_urls():
        kind = classify(url)
        if kind == "skip":
            continue
        if kind is None:
            problems.append(
                f"unclassified URL {url.route} ({url.name}): add its kind to CLASSIFY "
                "in tests/accounts/test_role_matrix.py"
            )
            continue
        walked += 1
        if kind == "scoped":
            _check_scoped_url(client, url, kind, world, problems)
        elif _is_org(kind):
            # A manager of any team keeps the organisation-wide lists.
            may_change = role == Role.MANAGER
            _check_scoped_url(client, url, kind, world, problems, may_change=may_change)
        else:
            _check_object_url(client, url, kind, world, problems)
    return problems, walked


@pytest.mark.parametrize("role", [None, Role.VIEWER, Role.OFFICER, Role.MANAGER])
def test_a_role_in_team_a_opens_and_changes_nothing_of_team_b(client, world, role):
    problems, walked = _walk_as(client, _acting(role, world), world, role)
    assert walked > 100, "the URLconf walk found too few URLs"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("elsewhere", [None, Role.MANAGER])
def test_a_viewer_is_refused_every_write_on_their_own_team(client, world, elsewhere):
    """A viewer of team B reads team B's conversation and changes nothing, even
    when they manage team A (their highest role is then manager: the role
    that counts on team B's objects is the one they hold in team B)."""
    viewer = UserFactory(username="auditor")
    Membership.objects.create(user=viewer, team=world.team_b, role=Role.VIEWER)
    if elsewhere is not None:
        Membership.objects.create(user=viewer, team=world.team_a, role=elsewhere)
    client.force_login(viewer)
    page = client.get(_path(_named("inbox:conversation"), "conversation", world))
    assert page.status_code == 200 and MARK.encode() in page.content
    problems = []
    for url in all_urls():
        kind = classify(url)
        if kind in (None, "skip", "admin_site") or url.name in VIEWER_MAY_POST:
            continue
        path = _path(url, kind, world)
        before = snapshot()
        for body in (_body(world), _writes(world)):
            response = client.post(path, body)
            if (
                kind != "scoped"
                and not _is_org(kind)
                and response.status_code not in REFUSED | {405}
            ):
                problems.append(f"POST {path} ({url.name}): {response.status_code}")
        changed = _changed(before, snapshot())
        # As a manager of team A they keep the organisation-wide lists.
        if changed and not (elsewhere == Role.MANAGER and _is_org(kind)):
            problems.append(f"POST {path} ({url.name}): changed {changed}")
    assert not problems, "\n".join(problems)


# Routes that only a manager of the team covering the object (or an admin)
# may open: every settings page and endpoint, escalation rules and crisis
# mode, records exports.
MANAGER_ONLY = re.compile(r"^((api/)?settings/|escalation/(rules|crisis)/|records/)")


def test_a_manager_of_team_a_who_is_an_officer_of_team_b_manages_nothing_of_team_b(client, world):
    """Per-team roles: managing team A gives no say over team B's settings,
    rules, crisis mode or records even where the person works as an officer
    (so sees team B's channel). Every manager-only URL with a team B object
    in its path is refused and changes nothing."""
    person = UserFactory(username="a-manager-b-officer")
    Membership.objects.create(user=person, team=world.team_a, role=Role.MANAGER)
    Membership.objects.create(user=person, team=world.team_b, role=Role.OFFICER)
    client.force_login(person)
    # They do work on team B as an officer.
    page = client.get(_path(_named("inbox:conversation"), "conversation", world))
    assert page.status_code == 200 and MARK.encode() in page.content
    problems: list[str] = []
    walked = 0
    for url in all_urls():
        kind = classify(url)
        if kind in (None, "skip", "admin_site", "scoped") or _is_org(kind):
            continue
        if not MANAGER_ONLY.search(url.route):
            continue
        walked += 1
        _check_object_url(client, url, kind, world, problems)
    assert walked > 30, "the walk found too few manager-only URLs"
    assert not problems, "\n".join(problems)


def _writes(world: World) -> dict:
    """A body that would be a valid action for someone allowed to act."""
    return {
        "text": "On it",
        "status": "resolved",
        "priority": "3",
        "assignee": str(world.b_officer.pk),
        "label": "",
        "idempotency_key": "k" * 32,
        "reason": "Court order",
        "me": "1",
        "ids": [world.conversation_b.pk],
        "action": "resolve",
    }


def _named(name: str) -> Url:
    return next(u for u in all_urls() if u.name == name)


def test_every_url_with_an_object_in_its_path_is_classified():
    """The walk's own check, on its own: a new URL with kwargs needs a kind."""
    unclassified = [u.route for u in all_urls() if classify(u) is None]
    assert not unclassified, unclassified


def test_conversation_b_stays_as_it_was(world):
    # The fixture's own sanity: the objects the walk points at exist in team B.
    conv = Conversation.objects.get(pk=world.conversation_b.pk)
    assert conv.channel.teams.get() == world.team_b
    assert world.held_b.state == DeliveryState.AWAITING_APPROVAL
