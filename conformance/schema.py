"""The operation under test as schemathesis sees it, built from the contract model's document."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

from contract import Contract, ContractError

Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def schemathesis_operation(contract: Contract, operation_id: str) -> Operation:
    """The schemathesis operation for an operationId of the contract's document."""
    # An explicit default configuration: the suite never reads a schemathesis.toml, which is
    # for `schemathesis run` and names variables the suite's run may not have.
    schema = schemathesis.openapi.from_dict(dict(contract.document), config=SchemathesisConfig())
    for result in schema.get_all_operations():
        if isinstance(result, Ok) and result.ok().definition.raw.get("operationId") == operation_id:
            return result.ok()
    raise ContractError(f"schemathesis finds no operation {operation_id!r} in the document")
