"""The project's own tooling: spec lint, generation drift check, contract review, benchmarks.

These run in this repository only; what users install lives in the packages (client/, contract/,
reference/, conformance/, generated/).
"""

from pathlib import Path

# The repository's root, and its contract document (the one source; each package carries a copy).
ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi" / "openapi.yaml"
