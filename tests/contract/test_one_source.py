"""One source of facts: the document drives the reference server, the suite and the client."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from braze_cdi_contract import DOCUMENT, Contract
from braze_cdi_contract.commandline import server_process
from braze_cdi_contract.model import MESSAGE_NAMES
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_LIMITED_KEY

from tests.support import run_module
from tools import ROOT

HAND_WRITTEN = ("contract", "conformance", "reference", "proving_ground", "tools", "client")
NEW_MESSAGE = "A sync of this integration is already running"
NEW_LIMIT = 300


def _hand_written_python() -> list[Path]:
    files = []
    for folder in HAND_WRITTEN:
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


def _mentions(text: str, message: str) -> bool:
    """A multi-word message anywhere, or a one-word message as a string literal."""
    if " " in message:
        return message.lower() in text.lower()
    return re.search(rf"""["']{re.escape(message)}["']""", text) is not None


def test_no_hand_written_python_contains_a_message_of_the_contract(contract: Contract) -> None:
    messages = [getattr(contract.messages, name) for name in MESSAGE_NAMES]
    offenders = [
        f"{path.relative_to(ROOT)}: {message!r}"
        for path in _hand_written_python()
        for message in messages
        if _mentions(path.read_text(encoding="utf-8"), message)
    ]
    assert offenders == []


def test_the_message_check_would_see_a_copied_message(contract: Contract) -> None:
    copied = f'IN_PROGRESS = "{contract.messages.another_job_in_progress}"'
    assert _mentions(copied, contract.messages.another_job_in_progress)
    assert _mentions("body = {'message': 'success'}", contract.messages.sync_accepted)
    assert not _mentions("a successful run", contract.messages.sync_accepted)


def test_generated_facts_are_the_contracts(contract: Contract) -> None:
    from braze_cdi_client import contract_facts  # noqa: PLC0415 - the installed client's view

    assert (
        contract.messages.another_job_in_progress
    ) == contract_facts.ANOTHER_JOB_IN_PROGRESS_MESSAGE
    assert contract.messages.over_rate_limit == contract_facts.OVER_RATE_LIMIT_MESSAGE
    assert contract.trigger.permission == contract_facts.TRIGGER_INTEGRATION_SYNC_PERMISSION
    assert contract.trigger.rate_limit.limit == contract_facts.TRIGGER_INTEGRATION_SYNC_RATE_LIMIT
    assert contract_facts.SERVERS["EU-01"] == "https://rest.fra-01.braze.eu"


@pytest.fixture
def changed_contract(tmp_path: Path) -> Path:
    """A copy of the contract with another in-progress message and another documented limit."""
    document = yaml.safe_load(DOCUMENT.read_text())
    components = document["components"]
    components["responses"]["TooManyRequests"]["x-braze-messages"]["another_job_in_progress"] = (
        NEW_MESSAGE
    )
    components["examples"]["AnotherJobInProgress"]["value"]["message"] = NEW_MESSAGE
    # Every operation's limit raised (the trigger's to NEW_LIMIT), so no run here waits a window.
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "x-braze-rate-limit" in operation:
                operation["x-braze-rate-limit"]["limit"] = NEW_LIMIT
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.slow
def test_server_and_suite_follow_a_changed_contract(changed_contract: Path) -> None:
    arguments = ("--port", "0", "--braze-limits", "--quiet", "--contract", str(changed_contract))
    with server_process("braze_cdi_reference", *arguments) as server:
        url = server.first_line.split()[-1]
        trigger = f"{url}/cdi/integrations/{DEMO_INTEGRATIONS[0]}/sync"
        headers = {"Authorization": f"Bearer {DEMO_KEY}"}
        with httpx.Client() as client:
            started = client.post(trigger, headers=headers)
            again = client.post(trigger, headers=headers)
        assert started.status_code == 202
        assert started.headers["x-ratelimit-limit"] == str(NEW_LIMIT)
        assert (again.status_code, again.json()["message"]) == (429, NEW_MESSAGE)

        keys = {"TOKEN": DEMO_KEY, "LIMITED_TOKEN": DEMO_LIMITED_KEY}
        suite = (
            *("proving_ground.judge", "--base-url", url, "--integration-id", DEMO_INTEGRATIONS[1]),
            *("--max-examples", "5", "--seed", "1"),
        )
        follows = run_module(*suite, "--contract", str(changed_contract), env=keys)
        assert follows.returncode == 0, follows.stdout + follows.stderr
        original = run_module(*suite, env=keys)
    assert original.returncode == 1, original.stdout + original.stderr
    assert "FAIL  sync-lifecycle" in original.stdout
