"""The generated client: current, deterministic, strictly typed, installable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import ROOT, generate

PACKAGE_DIR = generate.GENERATED / generate.PACKAGE


def test_committed_client_matches_a_fresh_generation() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.generate", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generation_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = generate.generate_into(tmp_path / "one")
    second = generate.generate_into(tmp_path / "two")
    assert generate.tree(first) == generate.tree(second)


def test_generated_tree_holds_no_cache(tmp_path: Path) -> None:
    fresh = generate.generate_into(tmp_path)
    assert not [name for name in generate.tree(fresh) if "cache" in name]


def test_drift_is_reported_with_a_diff_and_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = tmp_path / "generated"
    shutil.copytree(generate.GENERATED, committed)
    model = committed / generate.PACKAGE / "braze_cdi_client" / "models" / "sync_accepted.py"
    model.write_text(model.read_text().replace("Always `success`.", "Hand-edited."))
    monkeypatch.setattr(generate, "GENERATED", committed)
    monkeypatch.setattr(generate, "STAMP", committed / "INPUTS.sha256")
    assert generate.check() == 1
    output = capsys.readouterr()
    assert "committed/braze_cdi_client/models/sync_accepted.py" in output.out
    assert "-        message (Literal['success']): Hand-edited." in output.out
    assert "run make generate" in output.err


def test_stale_inputs_stamp_is_drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    committed = tmp_path / "generated"
    shutil.copytree(generate.GENERATED, committed)
    (committed / "INPUTS.sha256").write_text("0" * 64 + "\n")
    monkeypatch.setattr(generate, "GENERATED", committed)
    monkeypatch.setattr(generate, "STAMP", committed / "INPUTS.sha256")
    assert generate.check() == 1


def test_generated_package_passes_mypy_strict() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file=",
            "--cache-dir=/dev/null",
            "braze_cdi_client",
        ],
        cwd=PACKAGE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_client_and_layer_install_with_pip(tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(PACKAGE_DIR),
            str(ROOT / "client"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(target)!r}); "
            "import braze_cdi_sync, braze_cdi_client; print('ok')",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.strip() == "ok", probe.stderr
