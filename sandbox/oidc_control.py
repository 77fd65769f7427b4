"""Control endpoints for the identity provider (/_sandbox/oidc/...): add people
and clients, and spoil the next ID token to test the app's refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.oidc_store import DEFAULT_PASSWORD, OidcClient, OidcPerson
from sandbox.router import Request, Response, Router

if TYPE_CHECKING:
    from sandbox.state import SandboxState

# Claims a test may override in the next ID token: enough to forge every
# mistake a relying party must catch, nothing that would break the signature.
SPOILABLE = frozenset(
    {
        "iss",
        "aud",
        "azp",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "sub",
        "email",
        "email_verified",
        "groups",
    }
)


def register(router: Router, state: SandboxState) -> None:
    store = state.oidc

    def people(req: Request) -> Response:
        with store.lock:
            items = [{"username": p.username, **p.claims()} for p in store.people.values()]
        return Response(200, {"people": items})

    def person_add(req: Request) -> Response:
        body = req.json_object()
        person = OidcPerson(
            username=str(body["username"]),
            password=str(body.get("password") or DEFAULT_PASSWORD),
            sub=str(body.get("sub") or f"sub-{body['username']}"),
            email=str(body["email"]),
            email_verified=bool(body.get("email_verified", True)),
            name=str(body.get("name") or ""),
            groups=[str(g) for g in body.get("groups", [])],
        )
        with store.lock:
            store.people[person.username] = person
        return Response(201, {"username": person.username, **person.claims()})

    def client_add(req: Request) -> Response:
        body = req.json_object()
        client = OidcClient(
            client_id=str(body["client_id"]),
            secret=str(body["secret"]),
            redirect_uris=tuple(str(u) for u in body.get("redirect_uris", [])),
        )
        with store.lock:
            store.clients[client.client_id] = client
        return Response(201, {"client_id": client.client_id})

    def spoil(req: Request) -> Response:
        body = req.json_object()
        unknown = set(body) - SPOILABLE
        if unknown:
            return Response(400, {"error": f"cannot spoil {sorted(unknown)}"})
        with store.lock:
            store.spoil_next = dict(body)
        return Response(200, {"next_id_token": body})

    router.add("GET", r"/oidc/people", people)
    router.add("POST", r"/oidc/people", person_add)
    router.add("POST", r"/oidc/clients", client_add)
    router.add("POST", r"/oidc/spoil-next-token", spoil)
