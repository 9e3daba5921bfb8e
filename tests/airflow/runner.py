"""Run Airflow from the tests: an AIRFLOW_HOME of its own (SQLite, migrated), the harness in an
Airflow environment with the connections of a run, and what came of it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.airflow.environments import Environment
from tests.airflow.scenarios import Scenario

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "harness.py"
DAGS = HERE / "dags"
HARNESS_SECONDS = 900


def connection(url: str, key: str, conn_type: str = "braze_cdi") -> str:
    """An Airflow connection in the JSON form of AIRFLOW_CONN_* variables."""
    return json.dumps({"conn_type": conn_type, "host": url, "password": key})


@dataclass
class Run:
    """One harness run: its output (stdout and stderr as they came) and its results."""

    output: str
    results: dict[str, Any]
    returncode: int = 0

    def segment(self, dag_id: str) -> str:
        """The output of one DAG's run."""
        begin, end = f"=== BEGIN {dag_id}\n", f"=== END {dag_id}\n"
        start = self.output.index(begin)
        return self.output[start : self.output.index(end, start)]

    def task(self, dag_id: str, task_id: str = "sync") -> dict[str, Any]:
        tasks: dict[str, Any] = self.results[dag_id]["tasks"]
        return dict(tasks[task_id])


@dataclass
class Airflow:
    """An Airflow environment with a home of its own."""

    environment: Environment
    home: Path
    connections: dict[str, str] = field(default_factory=dict)

    def env(self, connections: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "BRAZE_CDI_SCENARIOS": str(self.home / "scenarios.json"),
            "PYTHONUNBUFFERED": "1",
        }
        for conn_id, value in {**self.connections, **(connections or {})}.items():
            environment[f"AIRFLOW_CONN_{conn_id.upper()}"] = value
        return {**environment, **extra}

    def migrate(self) -> None:
        """`airflow db migrate`: the metadata DB, SQLite in the home."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.cli("db", "migrate")

    def cli(self, *arguments: str) -> str:
        done = subprocess.run(
            [str(self.environment.airflow), *arguments],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    def write_spec(self, specs: Iterable[dict[str, Any]]) -> None:
        (self.home / "scenarios.json").write_text(json.dumps({"scenarios": list(specs)}))

    def command(self, mode: str, *arguments: str) -> list[str]:
        return [str(self.environment.python), str(HARNESS), mode, *arguments]

    def output_file(self, mode: str, *arguments: str) -> Path:
        return self.home / f"{mode}-{'-'.join(arguments)[:80] or 'run'}.json"

    def harness(
        self, mode: str, *arguments: str, connections: dict[str, str] | None = None, **extra: str
    ) -> Run:
        out = self.output_file(mode, *arguments)
        done = subprocess.run(
            self.command(mode, str(out), *arguments),
            env=self.env(connections, **extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=HARNESS_SECONDS,
            check=False,
        )
        results = json.loads(out.read_text()) if out.exists() else {}
        assert done.returncode == 0, done.stdout[-4000:]
        return Run(done.stdout, results, done.returncode)


def specs(scenarios: Iterable[Scenario], provider: str, conn_id: str) -> list[dict[str, Any]]:
    return [scenario.spec(provider, conn_id) for scenario in scenarios]


def leaks(key: str, home: Path, *texts: str) -> list[str]:
    """Where the key shows: any file of the Airflow home (its logs, its metadata DB with the
    XComs, rendered fields, trigger rows and task state) or any of the texts.
    """
    found = [
        str(path)
        for path in sorted(home.rglob("*"))
        if path.is_file() and key.encode() in path.read_bytes()
    ]
    found += [f"output {number}" for number, text in enumerate(texts) if key in text]
    return found
