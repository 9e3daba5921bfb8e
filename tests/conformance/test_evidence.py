"""Reading a list's Link header: which URLs stay on the server's origin."""

from __future__ import annotations

import pytest
from braze_cdi_conformance.evidence import foreign

BASE = "https://rest.iad-01.braze.com"


@pytest.mark.parametrize(
    "url",
    [
        "/cdi/integrations?cursor=abc",
        "cdi/integrations?cursor=abc",
        "https://rest.iad-01.braze.com/cdi/integrations?cursor=abc",
        "https://REST.iad-01.braze.com:443/cdi/integrations?cursor=abc",
        "//rest.iad-01.braze.com/cdi/integrations?cursor=abc",
    ],
)
def test_a_relative_or_same_origin_link_is_not_foreign(url: str) -> None:
    assert not foreign(url, BASE)


@pytest.mark.parametrize(
    "url",
    [
        "https://rest.iad-02.braze.com/cdi/integrations?cursor=abc",
        "https://rest.iad-01.braze.com:8443/cdi/integrations?cursor=abc",
        "http://rest.iad-01.braze.com/cdi/integrations?cursor=abc",
        "//evil.example/cdi/integrations?cursor=abc",
    ],
    ids=["other host", "other port", "https to http", "scheme-relative other host"],
)
def test_a_link_to_another_origin_is_foreign(url: str) -> None:
    assert foreign(url, BASE)
