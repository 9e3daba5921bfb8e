"""The conformance suite: holds any server to the contract in `openapi/openapi.yaml`.

`python -m conformance --base-url URL` runs it. It imports no server framework and no bundled
server; `--server NAME` starts one from the proving ground as its own process.
"""
