"""Who is calling: API keys (`Authorization: Bearer KEY`, or the browser UI's HttpOnly cookie) and scopes.

Scopes nest: read ⊂ submit ⊂ admin (`ApiKey.allows`). Keys are required unless the service runs with
`--no-auth`, which `serve` accepts only on a local host. A missing or unknown (or revoked) key is 401
with `WWW-Authenticate: Bearer`; a key without the scope a route needs is 403. Each authenticated
caller then takes one token from its rate-limit bucket (429 with Retry-After when empty).

The cookie is for the web UI's own pages and its EventSource (which cannot set headers); a state-changing
request authenticated only by the cookie must come from this service's own pages (a cross-site Origin
or `Sec-Fetch-Site: cross-site` is refused), so another site cannot make a browser act with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

from investigator.service.context import service_context
from investigator.service.limits import retry_after
from investigator.service.store import ApiKey, Scope

KEY_COOKIE = "investigator_key"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Caller:
    key: ApiKey | None  # None: authentication is off (a local service); every scope is allowed
    client: str  # the client's address, the rate-limit key when there is no API key

    @property
    def key_id(self) -> str | None:
        return self.key.id if self.key is not None else None

    def allows(self, needed: Scope) -> bool:
        return self.key is None or self.key.allows(needed)

    @property
    def rate_key(self) -> str:
        return f"key:{self.key.id}" if self.key is not None else f"addr:{self.client}"


def _unauthorized(message: str, error: str | None = None) -> HTTPException:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": challenge})


def _presented_key(request: Request) -> tuple[str | None, bool]:
    """The key text and whether it came from the cookie (the header wins when both are there)."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("the Authorization header must be 'Bearer KEY'", "invalid_request")
        return token.strip(), False
    cookie = request.cookies.get(KEY_COOKIE)
    return (cookie, True) if cookie else (None, False)


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc != request.headers.get("host")


def authenticate(request: Request) -> Caller:
    """The caller of `request`, or 401."""
    ctx = service_context(request)
    client = request.client.host if request.client else "unknown"
    if not ctx.settings.auth:
        return Caller(key=None, client=client)
    text, via_cookie = _presented_key(request)
    if text is None:
        raise _unauthorized("an API key is required: send 'Authorization: Bearer KEY' "
                            "(create one with `investigate keys create --scope read|submit|admin`)")
    key = ctx.store.authenticate(text)
    if key is None:
        raise _unauthorized("unknown or revoked API key", "invalid_token")
    if via_cookie and request.method not in _SAFE_METHODS and _cross_site(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")
    return Caller(key=key, client=client)


def require(scope: Scope) -> Callable[[Request], Caller]:
    """A FastAPI dependency: the authenticated caller holding `scope`, within its rate limit."""

    def dependency(request: Request) -> Caller:
        caller = authenticate(request)
        if not caller.allows(scope):
            held = caller.key.scope if caller.key is not None else "?"
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"this key has the {held} scope; this request needs {scope}")
        wait = service_context(request).limiter.take(caller.rate_key)
        if wait > 0:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                detail=f"rate limit of {service_context(request).settings.rate_limit_per_minute} "
                                       "requests per minute exceeded",
                                headers={"Retry-After": retry_after(wait)})
        return caller

    dependency.__name__ = f"require_{scope}"
    return dependency
