"""The design's fixed rules: layers point one way, the product has no network code, the public surface is what it says."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETWORK = re.compile(r"^\s*(from|import)\s+(requests|httpx|urllib\.request|urllib3|aiohttp|socket|http\.client)\b", re.M)


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a dev dependency; run ./dev setup"
    proc = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_network_clients_in_the_product():
    offenders = [
        str(p.relative_to(ROOT))
        for pkg in ("audit", "reports", "gui", "cli")
        for p in (ROOT / pkg).rglob("*.py")
        if NETWORK.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_only_network_request_is_the_configured_timestamp():
    """pyHanko's RFC 3161 client (aiohttp) is the one way out, in reports/timestamp.py, used only with --timestamp-url."""
    users = sorted(
        str(p.relative_to(ROOT))
        for pkg in ("audit", "reports", "gui", "cli")
        for p in (ROOT / pkg).rglob("*.py")
        if re.search(r"HTTPTimeStamper|timestamps\.aiohttp_client|pyhanko_certvalidator\.fetchers", p.read_text(encoding="utf-8"))
    )
    assert users == ["reports/timestamp.py"]


def test_public_surface():
    import audit

    assert all(hasattr(audit, n) for n in audit.__all__)
    assert {"run_audit", "AuditSpec", "AuditResult", "CancelToken"} <= set(audit.__all__)


def test_cli_start_does_not_import_heavy_libraries():
    code = (
        "import sys; import cli.main as m; m.build_parser(); "
        "print(sorted(k for k in ('pandas','shap','sklearn','PySide6','reportlab') if k in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_trail_import_stays_light():
    code = "import sys, audit.trail; print(sorted(k for k in ('pandas','scipy','sklearn','shap') if k in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
