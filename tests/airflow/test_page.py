"""docs/airflow.md says what the Airflow tier holds the provider to, and the provider package
says to Airflow what it holds (fast: no Airflow needed).
"""

from __future__ import annotations

import tomllib

from braze_cdi_airflow.get_provider_info import CONNECTION_TYPE, get_provider_info

from tests.airflow.scenarios import OUTCOMES
from tools import ROOT

PAGE = ROOT / "docs" / "airflow.md"
PROVIDER = ROOT / "airflow-provider"


def _between(text: str, name: str) -> str:
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    return text[text.index(begin) + len(begin) : text.index(end)].strip()


def test_the_outcome_table_is_the_one_the_tests_hold_the_provider_to() -> None:
    rows = ["| scenario | task | exception | job in XCom |", "| --- | --- | --- | --- |"]
    for expected in OUTCOMES:
        raises = f"`{expected.raises}`" if expected.raises else ""
        job = f"`{expected.job_status}`" if expected.job_status else ""
        rows.append(f"| {expected.what} | {expected.state} | {raises} | {job} |".replace("  ", " "))
    assert _between(PAGE.read_text(encoding="utf-8"), "outcomes") == "\n".join(rows)


def test_the_entry_point_names_get_provider_info() -> None:
    project = tomllib.loads((PROVIDER / "pyproject.toml").read_text())["project"]
    entry = project["entry-points"]["apache_airflow_provider"]["provider_info"]
    assert entry == "braze_cdi_airflow.get_provider_info:get_provider_info"
    assert get_provider_info()["package-name"] == project["name"]
    assert get_provider_info()["versions"] == [project["version"]]


def test_every_module_the_provider_info_names_exists() -> None:
    info = get_provider_info()
    modules = [
        m
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for m in entry["python-modules"]
    ]
    [connection] = info["connection-types"]
    assert connection["connection-type"] == CONNECTION_TYPE
    modules.append(connection["hook-class-name"].rsplit(".", 1)[0])
    for module in modules:
        assert (PROVIDER / (module.replace(".", "/") + ".py")).exists(), module


def test_the_provider_depends_on_ranges_only() -> None:
    project = tomllib.loads((PROVIDER / "pyproject.toml").read_text())["project"]
    assert all("==" not in requirement for requirement in project["dependencies"])
