"""`make review` on a clone: unchanged passes, breaking changes fail naming their rule."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from braze_cdi_contract import model

from tools import ROOT

CONTRACT = Path("openapi") / "openapi.yaml"
PATH = "/cdi/integrations/{integration_id}/sync"
# A version that acknowledges breaking changes: the major part of the contract's, plus one.
NEXT_MAJOR = f"{int(model.load().version.split('.')[0]) + 1}.0.0"


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("review") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    (repo / "node_modules").symlink_to(ROOT / "node_modules")
    return repo


@pytest.fixture
def contract(clone: Path) -> Iterator[Path]:
    path = clone / CONTRACT
    original = path.read_text()
    yield path
    path.write_text(original)


def review(clone: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.review", *arguments],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def test_unchanged_document_passes(clone: Path, contract: Path) -> None:
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No change to the contract." in result.stdout
    assert "`generated/` matches the contract: nothing to regenerate." in result.stdout
    assert "PASSED: no change." in result.stdout
    assert "The generated code is unchanged, so the client layer's type-check is unchanged." in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("endpoint-removed", lambda d: d["paths"].pop(PATH)),
        (
            "response-success-status-removed",
            lambda d: d["paths"][PATH]["post"]["responses"].pop("202"),
        ),
        (
            "response-bound-widened",
            lambda d: d["components"]["schemas"]["RateLimitCount"].pop("minimum"),
        ),
        (
            "response-required-widened",
            lambda d: d["components"]["schemas"]["SyncAccepted"].pop("required"),
        ),
    ],
    ids=["remove the path", "remove the 202", "drop minimum: 0 from the count", "loosen the 202"],
)
def test_breaking_change_fails_and_names_its_rule(
    clone: Path, contract: Path, rule: str, change: Callable[[dict[str, Any]], None]
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert f"| **breaking** | `{rule}` |" in result.stdout
    [failed] = [line for line in result.stdout.splitlines() if "breaking change(s)" in line]
    assert re.match(
        rf"FAILED: \d+ breaking change\(s\) \(.*\b{rule}\b.*\) not acknowledged", failed
    )


def test_description_edit_passes_and_says_to_regenerate(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("summary", "Trigger a sync now"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| info | `documentation` |" in result.stdout
    assert "PASSED: 1 change(s): 0 breaking, 0 warning, 1 info." in result.stdout
    assert "**Regenerate the client:** its code differs from a fresh generation" in result.stdout
    assert "Before merging: run `make generate` and commit `generated/`." in result.stdout


def test_removed_error_status_is_a_warning_that_passes(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"]["responses"].pop("404"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| **warning** | `response-error-status-removed` |" in result.stdout
    assert "PASSED: 1 change(s): 0 breaking, 1 warning, 0 info." in result.stdout


def test_a_ref_to_nothing_is_a_one_line_error(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["components"]["responses"].pop("NotFound"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 2
    assert result.stderr == (
        "review: cannot review: the contract in the working tree has a $ref to nothing: "
        "#/components/responses/NotFound\n"
    )


def test_unclassified_change_fails_even_with_a_major_bump(clone: Path, contract: Path) -> None:
    def one_of_and_bump(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["Error"]["oneOf"] = [{"type": "object"}]
        document["info"]["version"] = NEXT_MAJOR

    edit(contract, one_of_and_bump)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert "| **unclassified** | `unclassified` | `components > schemas > Error > oneOf`" in (
        result.stdout
    )
    assert "FAILED: 1 unclassified change(s)" in result.stdout


def test_generated_client_change_is_listed(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("operationId", "startSync"))
    result = review(clone, "--base", "HEAD")
    removed = (
        "| **breaking** | `client-api-removed` | "
        "`api.cloud_data_ingestion.trigger_integration_sync` |"
    )
    assert removed in result.stdout
    assert "| info | `client-api-added` | `api.cloud_data_ingestion.start_sync` |" in result.stdout
    assert "`api.cloud_data_ingestion.trigger_integration_sync.sync`" not in result.stdout


def test_major_version_bump_acknowledges_a_breaking_change(clone: Path, contract: Path) -> None:
    def lower_limit_and_bump(document: dict[str, Any]) -> None:
        document["paths"][PATH]["post"]["x-braze-rate-limit"]["limit"] = 10
        document["info"]["version"] = NEXT_MAJOR

    edit(contract, lower_limit_and_bump)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| **breaking** | `rate-limit-lowered` |" in result.stdout
    assert (
        "| **warning** | `client-constant-changed` | "
        "`contract_facts.TRIGGER_INTEGRATION_SYNC_RATE_LIMIT` | 20 → 10 |" in result.stdout
    )
    assert (
        f"PASSED: 3 change(s): 1 breaking (acknowledged by the major version {NEXT_MAJOR}), "
        "1 warning, "
        "1 info." in result.stdout
    ), result.stdout[result.stdout.index("## 3.") :]


def test_rendered_reference_is_complete_with_scripts_removed(clone: Path) -> None:
    review(clone, "--base", "HEAD")
    page = (clone / "build" / "reference.html").read_text()
    text = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page, flags=re.S))
    )
    text = " ".join(text.split())
    contract = model.load(clone / CONTRACT)
    for operation in contract.operations.values():
        assert operation.operation_id in text
        assert operation.permission in text
        rule = operation.rate_limit
        assert f"{rule.limit} requests per {rule.window_seconds} seconds" in text
        for status in operation.statuses:
            assert f" {status} " in text
    for message in dataclasses.asdict(contract.messages).values():
        assert message in text
    assert "<script" not in page
    assert "http-equiv" not in page
    assert not re.search(r"""(src|href)=["']https?:""", page)


def test_unknown_base_is_a_one_line_error(clone: Path) -> None:
    result = review(clone, "--base", "no-such-ref")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "review: cannot review: openapi/openapi.yaml at 'no-such-ref' cannot be read"
    )
    assert result.stderr.count("\n") == 1


def test_the_pages_sample_is_what_the_review_prints(clone: Path, contract: Path) -> None:
    readme = (ROOT / "docs" / "review.md").read_text()
    start = readme.index("For example, dropping `minimum: 0`")
    sample = readme[readme.index("```text\n", start) + 8 : readme.index("\n```", start)]

    def as_in_the_readme(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["RateLimitCount"].pop("minimum")
        document["paths"][PATH]["post"]["summary"] = "Trigger a sync of an integration"

    edit(contract, as_in_the_readme)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    printed = result.stdout.splitlines()
    missing = [line for line in sample.splitlines() if line and line not in printed]
    assert not missing, f"lines of docs/review.md the review does not print: {missing}"


# The generated client is a consumer the review judges (each edit below broke the client or the
# client layer while the review passed it).


def _every_operation(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]


def _rename_tag(document: dict[str, Any]) -> None:
    document["tags"][0]["name"] = "CDI"
    for operation in _every_operation(document):
        operation["tags"] = ["CDI"]


def _rename_error_schema(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["ErrorBody"] = schemas.pop("Error")
    text = yaml.safe_dump(document, sort_keys=False)
    document.clear()
    document.update(
        yaml.safe_load(
            text.replace("#/components/schemas/Error'", "#/components/schemas/ErrorBody'").replace(
                "#/components/schemas/Error\n", "#/components/schemas/ErrorBody\n"
            )
        )
    )


def _pattern_beside_a_ref(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["IntegrationIdValue"] = {"type": "string"}
    document["components"]["parameters"]["IntegrationId"]["schema"] = {
        "$ref": "#/components/schemas/IntegrationIdValue",
        "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    }


def _date_time_start(document: dict[str, Any]) -> None:
    status = document["components"]["schemas"]["JobSyncStatus"]
    status["properties"]["sync_start_time"]["format"] = "date-time"


def _instance_renamed(document: dict[str, Any]) -> None:
    document["servers"][2]["x-braze-instance"] = "US03"


def _in_progress_message_changed(document: dict[str, Any]) -> None:
    answer = document["components"]["responses"]["TooManyRequests"]
    answer["x-braze-messages"]["another_job_in_progress"] = "A sync is already running"
    document["components"]["examples"]["AnotherJobInProgress"]["value"]["message"] = (
        "A sync is already running"
    )


def _in_progress_example_changed(document: dict[str, Any]) -> None:
    document["components"]["examples"]["AnotherJobInProgress"]["value"]["message"] = (
        "A sync is already running"
    )


@pytest.mark.parametrize(
    ("change", "rows"),
    [
        (
            _instance_renamed,
            [
                "| **breaking** | `server-instance-changed` |",
                "| **warning** | `client-constant-changed` | `contract_facts.SERVERS` |",
            ],
        ),
        (
            _in_progress_message_changed,
            [
                "| **breaking** | `messages-changed` |",
                "| **warning** | `client-constant-changed` | "
                "`contract_facts.ANOTHER_JOB_IN_PROGRESS_MESSAGE` |",
            ],
        ),
        (
            _in_progress_example_changed,
            ["| **breaking** | `client-not-generated` | `braze_cdi_client` |"],
        ),
        (
            _rename_tag,
            [
                "| **breaking** | `client-api-removed` | `api.cloud_data_ingestion` |",
                "| info | `client-api-added` | `api.cdi` |",
                "| **breaking** | `client-layer-type-error` | `client/braze_cdi_sync` |",
            ],
        ),
        (
            _rename_error_schema,
            [
                "| **breaking** | `client-api-removed` | `models.error` |",
                "| **breaking** | `client-layer-type-error` | `client/braze_cdi_sync` |",
            ],
        ),
        (_pattern_beside_a_ref, ["| **breaking** | `request-format-narrowed` |"]),
        (
            _date_time_start,
            [
                "| **breaking** | `format-changes-generated-type` |",
                "| **breaking** | `client-field-type-changed` | "
                "`models.job_sync_status.JobSyncStatus.sync_start_time` | "
                "str \\| Unset → datetime.datetime \\| Unset |",
            ],
        ),
    ],
    ids=[
        "instance renamed",
        "in-progress message changed",
        "in-progress example alone changed",
        "tag renamed",
        "Error schema renamed",
        "pattern beside a $ref",
        "format date-time added",
    ],
)
def test_an_edit_that_breaks_the_client_fails_naming_what_breaks(
    clone: Path, contract: Path, change: Callable[[dict[str, Any]], None], rows: list[str]
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1, result.stdout + result.stderr
    for row in rows:
        assert row in result.stdout, row
    assert "not acknowledged" in result.stdout
    if "client-not-generated" in rows[0]:  # nothing was generated, so nothing was type-checked
        assert "type-check" not in result.stdout.split("## 3.")[1].split("## 4.")[0]


def test_a_reworded_server_description_keeps_every_instance_name(
    clone: Path, contract: Path
) -> None:
    edit(contract, lambda d: d["servers"][2].__setitem__("description", "Braze US-03 instance"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "No change to the generated client's public API." in result.stdout
    assert "| info | `documentation` | `servers > https://rest.iad-03.braze.com > description`" in (
        result.stdout
    )


def test_a_changed_constant_row_names_the_contract_row_that_caused_it(
    clone: Path, contract: Path
) -> None:
    edit(contract, _instance_renamed)
    result = review(clone, "--base", "HEAD")
    [row] = [line for line in result.stdout.splitlines() if "`contract_facts.SERVERS`" in line]
    assert row.endswith("| `servers > https://rest.iad-03.braze.com > x-braze-instance` |")


# A malformed contract is one line and exit 2.


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (
            lambda text: text.replace("        '404':\n", "        404:\n", 1),
            "review: cannot review: the contract in the working tree has a key that is not a "
            "string at paths//cdi/integrations/{integration_id}/sync/post/responses: 404",
        ),
        (
            lambda text: text.replace(
                "      operationId: triggerIntegrationSync\n",
                "      operationId: triggerIntegrationSync\n      parameters:\n",
                1,
            ),
            "review: cannot review: the contract in the working tree is not valid OpenAPI 3.1 at "
            "paths//cdi/integrations/{integration_id}/sync/post/parameters: null is not of type "
            '"array"',
        ),
    ],
    ids=["unquoted status code", "empty parameters"],
)
def test_a_malformed_contract_cannot_be_reviewed(
    clone: Path, contract: Path, broken: Callable[[str], str], says: str
) -> None:
    contract.write_text(broken(contract.read_text()))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(says), result.stderr
    assert "Traceback" not in result.stderr


# Harmless stays harmless.


@pytest.fixture
def base_with_an_id_pattern(clone: Path, contract: Path) -> Iterator[Path]:
    """A commit in the clone whose IntegrationId has a pattern; removed afterwards."""

    def with_pattern(document: dict[str, Any]) -> None:
        schema = document["components"]["parameters"]["IntegrationId"]["schema"]
        schema["pattern"] = "^[0-9a-f-]+$"

    edit(contract, with_pattern)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "pattern"], check=True)
    yield contract
    subprocess.run([*git, "reset", "-q", "--hard", "HEAD~1"], check=True)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (
            lambda d: d["components"]["parameters"]["IntegrationId"]["schema"].__setitem__(
                "pattern", "^[0-9a-fA-F-]+$"
            ),
            "| info | `request-format-widened` |",
        ),
        (
            lambda d: d["components"]["parameters"]["IntegrationId"]["schema"].__setitem__(
                "pattern", "^[-0-9a-f]+$"
            ),
            "| info | `pattern-rewritten` |",
        ),
    ],
    ids=["strictly looser pattern", "same pattern rewritten"],
)
def test_a_pattern_proven_no_stricter_passes(
    clone: Path,
    base_with_an_id_pattern: Path,
    change: Callable[[dict[str, Any]], None],
    rule: str,
) -> None:
    edit(base_with_an_id_pattern, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert rule in result.stdout


def test_a_stricter_pattern_fails(clone: Path, base_with_an_id_pattern: Path) -> None:
    edit(
        base_with_an_id_pattern,
        lambda d: d["components"]["parameters"]["IntegrationId"]["schema"].__setitem__(
            "pattern", "^[0-9a-f]+$"
        ),
    )
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert "| **breaking** | `request-format-narrowed` |" in result.stdout


def _security_at_the_root(document: dict[str, Any]) -> None:
    document["security"] = [{"restApiKey": []}]
    for operation in _every_operation(document):
        operation.pop("security")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_security_at_the_root, "PASSED: 12 change(s): 0 breaking, 0 warning, 12 info."),
        (
            lambda d: d["paths"][PATH]["post"].__setitem__("x-internal-owner", "data-platform"),
            "PASSED: 1 change(s): 0 breaking, 0 warning, 1 info.",
        ),
    ],
    ids=["same security at the root", "another tool's x- key"],
)
def test_a_harmless_edit_passes(
    clone: Path, contract: Path, change: Callable[[dict[str, Any]], None], says: str
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert says in result.stdout


def test_security_at_the_root_only_widens_the_generated_functions(
    clone: Path, contract: Path
) -> None:
    edit(contract, _security_at_the_root)
    result = review(clone, "--base", "HEAD")
    assert "No change to the contract." in result.stdout
    assert (
        "| info | `client-parameter-type-widened` | "
        "`api.cloud_data_ingestion.trigger_integration_sync.sync(client)` "
        "| AuthenticatedClient → AuthenticatedClient \\| Client |"
    ) in result.stdout


# Compatible by Python's rules: an edit that only adds to the client, or changes a value, passes
# with its rows at their level; the client layer still type-checks.

LIST = "/cdi/integrations"
STATUS = "/cdi/integrations/{integration_id}/job_sync_status"
FUNCTIONS = ("asyncio", "asyncio_detailed", "sync", "sync_detailed")


def _optional_query_parameter(document: dict[str, Any]) -> None:
    document["paths"][LIST]["get"]["parameters"].append(
        {
            "name": "integration_type",
            "in": "query",
            "required": False,
            "description": "Only the integrations of this type.",
            "schema": {"type": "string"},
        }
    )


def _optional_request_body(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["SyncOptions"] = {
        "type": "object",
        "description": "Options of a sync.",
        "properties": {"full_refresh": {"type": "boolean", "description": "Sync every row."}},
    }
    document["paths"][PATH]["post"]["requestBody"] = {
        "required": False,
        "description": "Options of the sync.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SyncOptions"}}},
    }


def _rate_limit_raised(document: dict[str, Any]) -> None:
    document["paths"][STATUS]["get"]["x-braze-rate-limit"]["limit"] = 250


def _reversed(node: Any) -> Any:
    """The node with the keys of every mapping in it in reverse order."""
    if isinstance(node, dict):
        return {key: _reversed(node[key]) for key in reversed(node)}
    if isinstance(node, list):
        return [_reversed(item) for item in node]
    return node


def _keys_reordered(document: dict[str, Any]) -> None:
    """Every mapping's keys reversed, and the job statuses in another order (`success` is still
    the first that has ended, the one order the project reads).
    """
    flipped = _reversed(document)
    flipped["components"]["schemas"]["JobStatus"]["enum"] = [
        "running",
        "success",
        "error",
        "partial",
        "config_error",
    ]
    document.clear()
    document.update(flipped)


def _first_ended_status_moved(document: dict[str, Any]) -> None:
    statuses = ["running", "partial", "success", "error", "config_error"]
    document["components"]["schemas"]["JobStatus"]["enum"] = statuses


@pytest.mark.parametrize(
    ("change", "rows", "says"),
    [
        (
            _optional_query_parameter,
            [
                "| info | `request-parameter-added` | "
                "`GET /cdi/integrations > parameters > query:integration_type` |",
                *(
                    "| info | `client-parameter-added` | "
                    f"`api.cloud_data_ingestion.list_integrations.{name}(integration_type)` | "
                    "(none) → integration_type: str \\| Unset = UNSET |"
                    for name in FUNCTIONS
                ),
            ],
            "PASSED: 5 change(s): 0 breaking, 0 warning, 5 info.",
        ),
        (
            _optional_request_body,
            [
                "| info | `request-body-added` |",
                "| info | `client-api-added` | `models.sync_options` |",
                *(
                    "| info | `client-parameter-added` | "
                    f"`api.cloud_data_ingestion.trigger_integration_sync.{name}(body)` | "
                    "(none) → body: SyncOptions \\| Unset = UNSET |"
                    for name in FUNCTIONS
                ),
            ],
            "PASSED: 8 change(s): 0 breaking, 0 warning, 8 info.",
        ),
        (
            _rate_limit_raised,
            [
                "| info | `rate-limit-raised` |",
                "| **warning** | `client-constant-changed` | "
                "`contract_facts.LIST_JOB_SYNC_STATUS_RATE_LIMIT` | 100 → 250 |",
            ],
            "PASSED: 2 change(s): 0 breaking, 1 warning, 1 info.",
        ),
        (
            _keys_reordered,
            ["No change to the contract.", "No change to the generated client's public API."],
            "PASSED: no change.",
        ),
        (
            _first_ended_status_moved,
            [
                "| **warning** | `first-ended-status-changed` | "
                '`components > schemas > JobStatus > enum` | "success" → "partial" |',
                "No change to the generated client's public API.",
            ],
            "PASSED: 1 change(s): 0 breaking, 1 warning, 0 info.",
        ),
    ],
    ids=[
        "optional query parameter",
        "optional request body",
        "rate limit raised",
        "keys and statuses reordered",
        "first ended status moved",
    ],
)
def test_a_compatible_edit_passes_with_its_rows_at_their_level(
    clone: Path,
    contract: Path,
    change: Callable[[dict[str, Any]], None],
    rows: list[str],
    says: str,
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    for row in rows:
        assert row in result.stdout, row
    assert says in result.stdout
    assert "client-not-generated" not in result.stdout
    assert "client-layer-type-error" not in result.stdout
    assert "The client layer type-checks against the regenerated client" in result.stdout


@pytest.fixture
def base_with_a_page_limit(clone: Path, contract: Path) -> Iterator[Path]:
    """A commit in the clone whose list of integrations takes `limit` (default 10); removed
    afterwards.
    """

    def with_limit(document: dict[str, Any]) -> None:
        document["paths"][LIST]["get"]["parameters"].append(
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": "How many integrations a page holds.",
                "schema": {"type": "integer", "default": 10},
            }
        )

    edit(contract, with_limit)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "commit", "-qam", "limit"], check=True)
    yield contract
    subprocess.run([*git, "reset", "-q", "--hard", "HEAD~1"], check=True)


def test_a_changed_default_is_a_warning_with_both_values(
    clone: Path, base_with_a_page_limit: Path
) -> None:
    def default_20(document: dict[str, Any]) -> None:
        [limit] = [p for p in document["paths"][LIST]["get"]["parameters"] if "name" in p]
        limit["schema"]["default"] = 20

    edit(base_with_a_page_limit, default_20)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| **warning** | `request-default-changed` |" in result.stdout
    for name in FUNCTIONS:
        assert (
            "| **warning** | `client-default-changed` | "
            f"`api.cloud_data_ingestion.list_integrations.{name}(limit)` | 10 → 20 |"
        ) in result.stdout
    assert "PASSED: 5 change(s): 0 breaking, 5 warning, 0 info." in result.stdout


# Breaking by Python's rules: the row names the client name that disappears.


def _closed_accepted_body(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["SyncAccepted"]["additionalProperties"] = False


@pytest.mark.parametrize(
    ("change", "rows"),
    [
        (
            lambda d: d["components"]["schemas"]["JobStatus"]["enum"].remove("config_error"),
            [
                "| **breaking** | `client-api-removed` | "
                "`models.job_status.JobStatus.CONFIG_ERROR` | CONFIG_ERROR = 'config_error' → "
                "(none) |",
                "| **breaking** | `client-api-removed` | "
                "`contract_facts.JOB_STATUS_CONFIG_ERROR` |",
                "| **breaking** | `client-layer-type-error` | `client/braze_cdi_sync` |",
            ],
        ),
        (
            _closed_accepted_body,
            [
                "| **breaking** | `client-api-removed` | "
                f"`models.sync_accepted.SyncAccepted.{name}` |"
                for name in ("additional_properties", "additional_keys", "__getitem__")
            ],
        ),
    ],
    ids=["enum member removed", "additionalProperties: false on the 202"],
)
def test_an_edit_that_removes_a_client_name_fails_naming_it(
    clone: Path, contract: Path, change: Callable[[dict[str, Any]], None], rows: list[str]
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1, result.stdout + result.stderr
    for row in rows:
        assert row in result.stdout, row
    [failed] = [line for line in result.stdout.splitlines() if "breaking change(s)" in line]
    assert "client-api-removed" in failed


def test_the_client_rules_of_the_review_itself_are_exercised_here() -> None:
    """The rules judged on the API are exercised in test_clientdiff.py; these two here, fired by
    the edits above that break the client and held quiet by the compatible ones.
    """
    text = Path(__file__).read_text()
    for name in ("client-layer-type-error", "client-not-generated"):
        assert f"| **breaking** | `{name}` |" in text
