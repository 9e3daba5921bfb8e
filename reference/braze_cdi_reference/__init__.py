"""The reference server: "Trigger a sync" made executable from the contract model.

`python -m reference` (`make serve`) serves it on loopback; `reference.app.ReferenceServer` is the
ASGI application, `reference.serving.serve_in_thread` serves any application in a thread.
"""
