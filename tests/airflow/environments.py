"""The Airflow tier's virtual environments, each built from a pinned requirements file.

`.venv-airflow` holds Apache Airflow 2.11 with airflow-provider-braze 1.0.4 (the third-party
provider), `.venv-airflow3` Apache Airflow 3.3.2 (the current 3.x), `.venv-airflow31` Apache
Airflow 3.1.8 (the oldest 3.x the provider supports). Each is built the first time it is needed, and
again when its requirements file or a package installed into it changes its pyproject.toml:
first every pin, exactly (`--no-deps`), then the project's own packages (the generated client,
`braze-cdi-sync`, the provider) as editable installs with the pins as constraints, so that pip
fails rather than change a pin, and `pip check` must find nothing broken. The installs' output
goes to `install.log` inside the environment.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tools import ROOT

HERE = Path(__file__).resolve().parent
# The project's packages, in the order pip installs them (each needs the one before).
PROJECT_PACKAGES = (
    ROOT / "generated" / "braze-cdi-client",
    ROOT / "client",
    ROOT / "airflow-provider",
)


@dataclass(frozen=True)
class Environment:
    """A virtual environment of its own: where it lives, its pins, the project's packages."""

    folder: Path
    requirements: Path
    packages: tuple[Path, ...] = PROJECT_PACKAGES

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    @property
    def airflow(self) -> Path:
        return self.folder / "bin" / "airflow"

    def wanted(self) -> str:
        """A digest of everything the environment is built from."""
        digest = hashlib.sha256(self.requirements.read_bytes())
        for package in self.packages:
            digest.update((package / "pyproject.toml").read_bytes())
        return digest.hexdigest()

    def build(self) -> Path:
        """The environment's Python, built (or rebuilt) when what it is built from changed."""
        stamp = self.folder / ".installed"
        wanted = self.wanted()
        if stamp.exists() and stamp.read_text().strip() == wanted and self.python.exists():
            return self.python
        shutil.rmtree(self.folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(self.folder)], check=True, timeout=120)
        log = self.folder / "install.log"
        pip = [str(self.python), "-m", "pip", "install", "--disable-pip-version-check"]
        editable = [argument for package in self.packages for argument in ("-e", str(package))]
        with log.open("w") as out:
            for command in (
                [*pip, "--no-deps", "-r", str(self.requirements)],
                [*pip, "-c", str(self.requirements), *editable],
                [str(self.python), "-m", "pip", "check"],
            ):
                done = subprocess.run(
                    command, stdout=out, stderr=subprocess.STDOUT, timeout=900, check=False
                )
                if done.returncode != 0:
                    raise RuntimeError(f"{' '.join(command[:6])} ... failed; see {log}")
        stamp.write_text(wanted + "\n")
        return self.python


AIRFLOW_2 = Environment(ROOT / ".venv-airflow", HERE / "requirements.txt")
AIRFLOW_3 = Environment(ROOT / ".venv-airflow3", HERE / "requirements-3.txt")
AIRFLOW_3_1 = Environment(ROOT / ".venv-airflow31", HERE / "requirements-3.1.txt")
