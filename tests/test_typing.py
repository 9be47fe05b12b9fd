"""kit/ type-checks: mypy (configured in pyproject.toml, [tool.mypy]) finds no error. Part of `make test`."""
import subprocess
import sys

from tests.conftest import REPO


def test_mypy_finds_no_error_in_kit():
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--config-file", "pyproject.toml"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
