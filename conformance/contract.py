"""What the suite reads from the contract: the operation, its promises and its documented messages.

Everything here comes from `openapi/openapi.yaml`; nothing is copied into the suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from schemathesis.core.result import Ok

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.yaml"
OPERATION_ID = "triggerIntegrationSync"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class ContractError(Exception):
    """The document lacks something the suite needs; the message says what."""


@dataclass(frozen=True)
class Contract:
    """The operation under test and the promises the suite checks it against."""

    version: str
    operation: schemathesis.APIOperation[Any, Any, Any, Any]
    permission: str
    rate_window_seconds: int
    in_progress_message: str
    over_rate_limit_message: str
    example_ids: tuple[str, ...]
    documented_methods: frozenset[str]


def _example(document: dict[str, Any], name: str) -> str:
    try:
        message = document["components"]["examples"][name]["value"]["message"]
    except (KeyError, TypeError) as error:
        raise ContractError(f"the document has no example {name!r} with a message") from error
    return str(message)


def load_contract(path: Path = DOCUMENT) -> Contract:
    """Load the document and find the Trigger a sync operation in it."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContractError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ContractError(f"{path} is not valid YAML") from error
    # One read and one parse: schemathesis takes the same document we read the extensions from.
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    found = [op for op in operations if op.definition.raw.get("operationId") == OPERATION_ID]
    if len(found) != 1:
        raise ContractError(f"the document has no single operation {OPERATION_ID!r}")
    operation = found[0]
    raw = operation.definition.raw
    path_item = document["paths"][operation.path]
    try:
        limits = raw["x-braze-rate-limit"]
        parameter = document["components"]["parameters"]["IntegrationId"]
        contract = Contract(
            version=str(document["info"]["version"]),
            operation=operation,
            permission=str(raw["x-braze-permission"]),
            rate_window_seconds=int(limits["window-seconds"]),
            in_progress_message=_example(document, "AnotherJobInProgress"),
            over_rate_limit_message=_example(document, "OverRateLimit"),
            example_ids=tuple(str(item["value"]) for item in parameter["examples"].values()),
            documented_methods=frozenset(key.upper() for key in path_item if key in METHODS),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ContractError(f"the operation lacks {error} in {path}") from error
    return contract
