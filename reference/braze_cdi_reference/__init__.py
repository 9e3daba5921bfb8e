"""The reference server: Braze's CDI sync endpoints made executable from the contract model, to
serve as a test double.

`braze-cdi-reference` (`python -m braze_cdi_reference`) serves it on loopback;
`braze_cdi_reference.app.ReferenceServer` is the ASGI application, and
`braze_cdi_contract.serving.serve_in_thread` serves any application in a thread. It needs neither
schemathesis nor hypothesis.
"""
