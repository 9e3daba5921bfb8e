"""pdm-backend's build hook for this package: the contract document travels as a file.

In the repository, `braze_cdi_contract/openapi.yaml` is a link to the one source,
`openapi/openapi.yaml`; a wheel or an sdist carries the document itself, never the link.
"""

from pathlib import Path
from typing import Any

DOCUMENT = "braze_cdi_contract/openapi.yaml"


def pdm_build_update_files(context: Any, files: dict[str, Path]) -> None:  # noqa: ANN401
    """Put the document the link leads to where the link was."""
    for name, path in list(files.items()):
        if name.endswith(DOCUMENT) and path.is_symlink():
            files[name] = path.resolve(strict=True)
