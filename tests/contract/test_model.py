"""The contract model reads Braze's facts from the document; what is missing is a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from braze_cdi_contract import DOCUMENT, Contract, ContractError, from_document, load


def test_trigger_facts_come_from_the_document(contract: Contract) -> None:
    raw = yaml.safe_load(DOCUMENT.read_text())
    operation = raw["paths"]["/cdi/integrations/{integration_id}/sync"]["post"]
    trigger = contract.trigger
    assert (trigger.method, trigger.path) == ("POST", "/cdi/integrations/{integration_id}/sync")
    assert trigger.permission == operation["x-braze-permission"]
    assert trigger.rate_limit.limit == operation["x-braze-rate-limit"]["limit"]
    assert trigger.rate_limit.window_seconds == operation["x-braze-rate-limit"]["window-seconds"]
    assert set(trigger.statuses) == set(operation["responses"])
    assert trigger.code_samples == tuple(sample["source"] for sample in operation["x-codeSamples"])


def test_every_message_comes_from_x_braze_messages_or_the_success_const(
    contract: Contract,
) -> None:
    components = yaml.safe_load(DOCUMENT.read_text())["components"]
    answers = components["responses"]
    assert (
        contract.messages.another_job_in_progress
        == answers["TooManyRequests"]["x-braze-messages"]["another_job_in_progress"]
    )
    assert (
        contract.messages.over_rate_limit
        == (answers["ReadTooManyRequests"]["x-braze-messages"]["over_rate_limit"])
    )
    assert (
        contract.messages.sync_accepted
        == (components["schemas"]["SyncAccepted"]["properties"]["message"]["const"])
    )


def test_a_changed_example_does_not_change_a_message_but_is_refused() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    example = document["components"]["examples"]["AnotherJobInProgress"]["value"]
    example["message"] = "A sync is already running"
    with pytest.raises(ContractError, match="anotherJobInProgress"):
        from_document(document)


def test_two_answers_that_disagree_on_a_message_are_refused() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    answers = document["components"]["responses"]
    answers["ReadTooManyRequests"]["x-braze-messages"]["over_rate_limit"] = "Slow down"
    answers["ReadTooManyRequests"]["content"]["application/json"].pop("examples")
    with pytest.raises(ContractError, match="over_rate_limit"):
        from_document(document)


def test_instance_names_come_from_x_braze_instance_not_the_description() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    document["servers"][2]["description"] = "Braze US-03 instance"
    assert from_document(document).servers[2][1] == "US-03"
    del document["servers"][2]["x-braze-instance"]
    with pytest.raises(ContractError, match="x-braze-instance"):
        from_document(document)


def test_servers_and_example_ids_are_read(contract: Contract) -> None:
    assert len(contract.servers) == 15
    assert contract.servers[0][1] == "US-01"
    assert contract.example_ids  # the IntegrationId parameter's examples


def test_methods_at_a_path_are_the_documented_ones(contract: Contract) -> None:
    assert contract.methods_at(contract.trigger.path) == frozenset({"POST"})


def test_missing_example_is_a_one_line_error() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    del document["components"]["examples"]["OverRateLimit"]
    with pytest.raises(ContractError, match="OverRateLimit") as raised:
        from_document(document)
    assert "\n" not in str(raised.value)


def test_missing_permission_is_a_one_line_error() -> None:
    document = yaml.safe_load(DOCUMENT.read_text())
    del document["paths"]["/cdi/integrations/{integration_id}/sync"]["post"]["x-braze-permission"]
    with pytest.raises(ContractError, match="x-braze-permission"):
        from_document(document)


def test_unreadable_or_invalid_documents_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="cannot read"):
        load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("paths: [unclosed\n")
    with pytest.raises(ContractError, match="not valid YAML"):
        load(broken)


def test_operation_at_finds_the_operation_a_request_is_for(contract: Contract) -> None:
    status_path = contract.job_sync_status.path
    assert contract.operation_at("get", status_path) == contract.job_sync_status
    # An undocumented method is judged by the operation at its path, an unknown path by the trigger.
    assert contract.operation_at("PUT", status_path) == contract.job_sync_status
    assert contract.operation_at("GET", contract.trigger.path) == contract.trigger
    assert contract.operation_at("GET", "/nowhere") == contract.trigger
