"""The conformance suite: holds any server to the contract in `openapi/openapi.yaml`.

`python -m conformance --base-url URL` runs it. It imports no server framework and no bundled
server; `--server NAME` starts one from the proving ground as its own process. The passive proxy
(`python -m conformance proxy`), a server itself, runs on uvicorn with the loopback serving
helpers of `reference.serving`, and imports no bundled server's application either.
"""
