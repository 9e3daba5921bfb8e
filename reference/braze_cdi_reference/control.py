"""The test double's control API: its scripts over HTTP, under CONTROL_PREFIX, for a double that
runs as a process (`braze-cdi-reference --control`). Described by `control.yaml` (package
data), which the project's linters check; a test holds every route here to it.

Each route answers JSON; a script the contract or the double does not allow is 400 with one line
in `message`, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from braze_cdi_reference.script import Injection, NextSync, ScriptError, VirtualClock, plain

if TYPE_CHECKING:
    from braze_cdi_reference.app import ReferenceServer

# The document that describes this API.
DOCUMENT = Path(str(files("braze_cdi_reference").joinpath("control.yaml")))
Handler = Callable[[Request], Awaitable[Response]]


def _refused(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"message": message}, status)


async def _json(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); ScriptError for anything else."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ScriptError(f"the body is not JSON: {error}") from None
    return dict(plain(value))


def _only(body: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ScriptError(f"unknown field {unknown[0]!r}; known: {', '.join(sorted(allowed))}")
    return body


SYNC_FIELDS = {"status", "seconds", "rows_synced", "rows_failed_with_errors", "listed_after"}


def _sync(body: dict[str, Any]) -> NextSync:
    if "status" not in body:
        raise ScriptError("a sync names its ending status (status)")
    return NextSync(**_only(body, SYNC_FIELDS))


class _Control:
    """The control API's handlers, bound to one server."""

    def __init__(self, server: ReferenceServer) -> None:
        self.server = server

    async def reset(self, request: Request) -> Response:
        self.server.reset()
        return Response(status_code=204)

    async def clock(self, request: Request) -> Response:
        virtual = self.server.clock
        if not isinstance(virtual, VirtualClock):
            raise ScriptError("this double runs on a clock of its own, which cannot be moved")
        if request.method == "POST":
            body = _only(await _json(request), {"freeze", "advance", "speed"})
            if body.get("freeze"):
                virtual.freeze()
            if "advance" in body:
                virtual.advance(body["advance"])
            if "speed" in body:
                virtual.run(body["speed"])
        return JSONResponse(virtual.state())

    async def next_syncs(self, request: Request) -> Response:
        syncs = _only(await _json(request), {"syncs"}).get("syncs")
        if not isinstance(syncs, list) or not syncs:
            raise ScriptError("syncs is a list of one sync or more")
        checked = [_sync(dict(plain(item))).checked(self.server.contract) for item in syncs]
        for sync in checked:
            self.server.next_sync(request.path_params["integration_id"], sync)
        return JSONResponse({"queued": len(checked)}, 201)

    async def scheduled_syncs(self, request: Request) -> Response:
        body = await _json(request)
        if ("at" in body) == ("in" in body):
            raise ScriptError("a scheduled sync has its time: at (epoch seconds) or in (seconds)")
        when = body.pop("at", None)
        if "in" in body:
            delay = body.pop("in")
            if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
                raise ScriptError(f"in is 0 seconds or more, not {delay!r}")
            when = self.server.clock() + delay
        self.server.schedule_sync(request.path_params["integration_id"], when, _sync(body))
        return JSONResponse({"scheduled": 1}, 201)

    async def history(self, request: Request) -> Response:
        body = _only(await _json(request), HISTORY_FIELDS)
        if "length" not in body:
            raise ScriptError("a history has its length")
        self.server.set_history(request.path_params["integration_id"], **body)
        return JSONResponse({"length": body["length"]})

    async def injections(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.server.clear_injections()
            return Response(status_code=204)
        if request.method == "GET":
            return JSONResponse([item.as_dict() for item in self.server.injections()])
        body = _only(await _json(request), INJECTION_FIELDS)
        if "operation_id" not in body:
            raise ScriptError("an injection names its operation_id")
        kept = self.server.inject(Injection(**body))
        return JSONResponse(kept.as_dict(), 201)

    async def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.server.journal.clear()
            return Response(status_code=204)
        query = request.query_params
        unknown = sorted(set(query) - {"operation_id", "integration_id"})
        if unknown:
            raise ScriptError(f"unknown filter {unknown[0]!r}; known: integration_id, operation_id")
        found = self.server.journal.find(
            operation_id=query.get("operation_id"), integration_id=query.get("integration_id")
        )
        return JSONResponse([entry.as_dict() for entry in found])

    async def unknown_route(self, request: Request) -> Response:
        return _refused(self.server.messages.invalid_url, 404)


HISTORY_FIELDS = {"length", "every_seconds", "status", "rows_synced", "rows_failed_with_errors"}
INJECTION_FIELDS = {
    "operation_id",
    "integration_id",
    "status",
    "message",
    "reset_in",
    "times",
    "delay",
    "fault",
    "off_contract",
}


def _guarded(handler: Handler) -> Handler:
    """A handler whose refused script is a 400 with its one line."""

    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except ScriptError as error:
            return _refused(str(error))
        except TypeError as error:  # a field of the wrong kind for a script
            return _refused(f"a field is not what the script takes: {error}")

    return answer


def control_routes(server: ReferenceServer) -> list[Route]:
    """The control API's routes, bound to a server."""
    from braze_cdi_reference.app import CONTROL_PREFIX  # noqa: PLC0415 - it imports this module

    control = _Control(server)
    prefix = CONTROL_PREFIX
    integration = f"{prefix}/integrations/{{integration_id}}"
    return [
        Route(f"{prefix}/reset", _guarded(control.reset), methods=["POST"]),
        Route(f"{prefix}/clock", _guarded(control.clock), methods=["GET", "POST"]),
        Route(f"{integration}/next-syncs", _guarded(control.next_syncs), methods=["POST"]),
        Route(
            f"{integration}/scheduled-syncs", _guarded(control.scheduled_syncs), methods=["POST"]
        ),
        Route(f"{integration}/history", _guarded(control.history), methods=["PUT"]),
        Route(
            f"{prefix}/injections",
            _guarded(control.injections),
            methods=["GET", "POST", "DELETE"],
        ),
        Route(f"{prefix}/requests", _guarded(control.requests), methods=["GET", "DELETE"]),
        Route(prefix + "/{rest:path}", control.unknown_route),
    ]
