"""The contract model: Braze's facts as `openapi/openapi.yaml` states them, for every other part.

The reference server, the conformance suite, the proving ground and the project's tooling ask this
model for paths, methods, statuses, messages, permissions and rate limits; none of them types a
fact of Braze's again. It reads YAML only, so it loads no HTTP library and no server framework.
"""

from braze_cdi_contract.model import (
    DOCUMENT,
    Contract,
    ContractError,
    JobFacts,
    Operation,
    RateLimitRule,
    from_document,
    load,
)

__all__ = [
    "DOCUMENT",
    "Contract",
    "ContractError",
    "JobFacts",
    "Operation",
    "RateLimitRule",
    "from_document",
    "load",
]
