"""The conformance suite: holds any server to the Braze CDI contract, which it carries (the
contract package's document).

`braze-cdi-conformance --base-url URL` (or `python -m braze_cdi_conformance`) runs it. It imports
no server framework for the suite and no test double; the passive proxy
(`braze-cdi-conformance proxy`), a server itself, runs on uvicorn with the shared loopback
helpers of `braze_cdi_contract.serving`.
"""

# What the suite reads from the environment for the user's own server; the project's own runs
# (its tests, the kill matrix) remove them.
SUITE_VARIABLES = ("BASE_URL", "TOKEN", "LIMITED_TOKEN", "LIMITED_PERMISSIONS", "INTEGRATION_ID")
