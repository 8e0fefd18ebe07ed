"""Schemathesis hooks for scripts/schemathesis.sh: every request carries a token that works.

The calling token holds every permission, so generated requests may expire, rotate or
deactivate that very token (its id is in `GET /api/v1/tokens`, and the stateful phase
follows such links). The server is right to allow it; every request after it would then be
refused, and the run would test nothing but 401s. So a successful expiry, rotation or
deactivation of the current token retires it, and the next request gets a new one, minted
with `tessera token add` on the server's database.

Valid requests get data the document cannot promise (`map_case`); invalid ones keep what
was generated. JSON Schema has no clock, so the document says only in words that
`expires_at` and a deactivation's `until` lie in the future: such times are moved there.
And a new token's permissions must be ones the calling token holds, which depends on the
database: generated names become the permissions the caller holds, or nearly every
`POST /api/v1/tokens` would be refused (403) and no token made to rotate or expire.

And one probe: schemathesis sends each path a method its operations do not list and expects
405. Forward auth answers every method by design, and the document lists all eight that
OpenAPI 3.1 can name, but QUERY it cannot: `x-any-method` and the description say so. That
one failure, `QUERY /api/v1/auth` answered like `GET`, is dropped (`filter_failure`, which
the summary counts); the request is still sent and every other check still applies.
"""

import json
import os
import subprocess
import threading
import urllib.request
import zlib
from datetime import datetime, timedelta, timezone

import schemathesis

BINARY = os.environ["TESSERA_BINARY"]
BASE_URL = os.environ["TESSERA_BASE_URL"]
PERMISSIONS = os.environ["TESSERA_PERMISSIONS"].split()

# The operations that stop the token whose id is in the path, when they succeed.
STOPPING = {
    ("DELETE", "/api/v1/tokens/{id}"),
    ("POST", "/api/v1/tokens/{id}/rotate"),
    ("POST", "/api/v1/tokens/{id}/deactivate"),
}


class Caller:
    """The token requests are sent with, and its id."""

    lock = threading.Lock()
    minted = 0
    secret: str | None = None
    token_id: int | None = None

    @classmethod
    def current(cls) -> str:
        with cls.lock:
            if cls.secret is None:
                cls.secret, cls.token_id = cls.mint()
            return cls.secret

    @classmethod
    def mint(cls) -> tuple[str, int]:
        cls.minted += 1
        label = f"schemathesis {cls.minted}"
        permissions = [arg for name in PERMISSIONS for arg in ("--permission", name)]
        # Never expires, so that no expiry the API accepts lies beyond the caller's.
        secret = subprocess.run(
            [BINARY, "token", "add", "admin", "--label", label, "--expires", "never", *permissions],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        request = urllib.request.Request(
            f"{BASE_URL}/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            tokens = json.load(response)
        token_id = next(
            t["id"] for t in tokens if t["label"] == label and secret.endswith(t["hint"])
        )
        return secret, token_id

    @classmethod
    def retire(cls, secret: str, token_id: int) -> None:
        with cls.lock:
            if cls.secret == secret and cls.token_id == token_id:
                cls.secret = cls.token_id = None


# No caching by schemathesis: `Caller` keeps the token until it is stopped.
@schemathesis.auth(refresh_interval=None)
class LiveToken:
    def get(self, case, context):
        return Caller.current()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context, case, response):
    if (case.method.upper(), case.operation.path) not in STOPPING:
        return
    if not 200 <= response.status_code < 300:
        return
    sent = (case.headers or {}).get("Authorization", "")
    if not sent.startswith("Bearer "):
        return
    try:
        token_id = int((case.path_parameters or {}).get("id"))
    except (TypeError, ValueError):
        return
    Caller.retire(sent.removeprefix("Bearer "), token_id)


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    now = datetime.now(timezone.utc).replace(microsecond=0)
    # Varied, but the same for the same generated value, so that a failure replays.
    spread = lambda value: zlib.crc32(value.encode())
    if isinstance(case.body.get("expires_at"), str):
        # A day to a year ahead: after any deactivation below, and within any lifetime.
        days = 1 + spread(case.body["expires_at"]) % 365
        case.body["expires_at"] = (now + timedelta(days=days)).isoformat()
    if isinstance(case.body.get("until"), str):
        # A minute to an hour ahead: before any token expires that the API lets one make.
        minutes = 1 + spread(case.body["until"]) % 60
        case.body["until"] = (now + timedelta(minutes=minutes)).isoformat()
    permissions = case.body.get("permissions")
    if case.operation.path == "/api/v1/tokens" and isinstance(permissions, list):
        case.body["permissions"] = [
            PERMISSIONS[spread(str(name)) % len(PERMISSIONS)] for name in permissions
        ]
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response):
    undeclarable = case.method.upper() == "QUERY" and case.operation.path == "/api/v1/auth"
    return not (undeclarable and failure.code == "ST204")
