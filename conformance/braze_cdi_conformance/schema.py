"""The operation under test as schemathesis sees it, built from the contract model's document."""

from __future__ import annotations

from typing import Any

import schemathesis
from braze_cdi_contract import Contract, ContractError
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

Operation = schemathesis.APIOperation[Any, Any, Any, Any]


Schema = schemathesis.BaseSchema


def schemathesis_schema(contract: Contract) -> Schema:
    """The contract's document as schemathesis reads it."""
    # An explicit default configuration: the suite never reads a schemathesis.toml, which is
    # for `schemathesis run` and names variables the suite's run may not have.
    return schemathesis.openapi.from_dict(dict(contract.document), config=SchemathesisConfig())


def schemathesis_operations(schema: Schema) -> dict[str, Operation]:
    """Every operation of the schema by operationId."""
    operations: dict[str, Operation] = {}
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operation = result.ok()
            operations[str(operation.definition.raw.get("operationId"))] = operation
    return operations


def schemathesis_operation(contract: Contract, operation_id: str) -> Operation:
    """The schemathesis operation for an operationId of the contract's document."""
    found = schemathesis_operations(schemathesis_schema(contract)).get(operation_id)
    if found is None:
        raise ContractError(f"schemathesis finds no operation {operation_id!r} in the document")
    return found
