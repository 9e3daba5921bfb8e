"""The proving ground: the servers the conformance suite is proven on, and the kill matrix.

Every bundled server is the reference server with one change: faulty servers break one promise and
name the check that must catch it; valid servers make a choice the contract allows and must pass.
`python -m proving_ground NAME` serves one; `python -m proving_ground.matrix` (`make mutants`)
runs the suite against all of them through its command line, as a user does.
"""
