"""The key leaves the client only in `Authorization`, and server text reaches a terminal as one
safe line: against servers on loopback that echo the key, or send escape sequences.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY
from braze_cdi_sync import BrazeApiError, CdiClient, Retry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.client.test_command_line import braze_cdi

INTEGRATION = DEMO_INTEGRATIONS[0]
FAKE_LINE = "\x1b[2K\rbraze-cdi: sync of x ended: success\n"
ONE_TRY = Retry(attempts=1, base_seconds=0.0, max_seconds=0.0, jitter=lambda: 0.0)


def answering(status: int, message: Callable[[str], str]) -> Starlette:
    """Any request answered `status` with a message made from the key it presented."""

    async def answer(request: Request) -> Response:
        key = request.headers.get("authorization", "").partition(" ")[2]
        return JSONResponse({"message": message(key)}, status)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


@pytest.mark.parametrize("status", [401, 502])
def test_a_key_echoed_by_the_server_is_masked_in_the_error(status: int) -> None:
    app = answering(status, lambda key: f"key {key} is not valid here")
    with (
        serve_in_thread(app) as url,
        CdiClient(url, DEMO_KEY, retry=ONE_TRY) as braze,
        pytest.raises(BrazeApiError) as raised,
    ):
        list(braze.list_integrations())
    assert DEMO_KEY not in str(raised.value)
    assert "key *** is not valid here" in raised.value.message
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None


@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        (("list",), 401),
        (("list",), 502),
        (("sync", INTEGRATION), 401),
        (("status", INTEGRATION), 502),
    ],
)
def test_the_command_line_never_prints_the_key_or_raw_control_characters(
    arguments: tuple[str, ...], status: int
) -> None:
    app = answering(status, lambda key: f"{FAKE_LINE}bad key {key}")
    with serve_in_thread(app) as url:
        result = braze_cdi(*arguments, endpoint=url)
    assert result.returncode in {9, 11}  # the key refused, or Braze unavailable
    assert DEMO_KEY not in result.stdout + result.stderr
    *retries, last = result.stderr.splitlines()
    assert all("retrying in" in line for line in retries)  # a 502 is retried
    assert last.startswith("braze-cdi: ")
    assert "\x1b" not in result.stderr
    assert "\\x1b[2K\\rbraze-cdi: sync of x ended: success\\n" in last
    assert "Traceback" not in result.stderr


def test_the_generated_clients_repr_hides_the_key() -> None:
    with CdiClient("http://127.0.0.1:9", DEMO_KEY) as braze:
        shown = repr(braze.generated)
    assert DEMO_KEY not in shown
    assert "127.0.0.1:9" in shown


def test_a_refused_connection_on_a_bare_trigger_is_one_line_and_exit_11() -> None:
    result = braze_cdi("sync", INTEGRATION, endpoint="http://127.0.0.1:9")
    assert result.returncode == 11
    *retries, last = result.stderr.splitlines()
    assert last.startswith("braze-cdi: Braze is unavailable: no answer after")
    assert all("retrying in" in line for line in retries)  # the waits before it, as they come
    assert "Traceback" not in result.stderr
