"""Bad output paths and failing writes, corpus style: each case gives exit 2 with the exact message, and afterwards
every input, the workspace and the output folder are exactly as they were (no result, no half file, no temp file).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.trail import Workspace
from cli.main import main
from tests.records.records_helpers import PASSWORD, digests, make_p12

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("outputs")
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.gamma(4, 12_000, n).round(2),
            "sex": rng.choice(["Female", "Male"], n),
            "approved": rng.integers(0, 2, n),
        }
    )
    df["pred"] = (df.income > 45_000).astype(int)
    df.to_csv(d / "data.csv", index=False)
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    sio.dump(LogisticRegression(max_iter=500).fit(df[["age", "income"]], df.approved), d / "model.skops")
    (d / "context.toml").write_text('system_name = "Loans v2"\n', encoding="utf-8")
    (d / "ctx.evidence.json").write_text('system_name = "Loans v2"\n', encoding="utf-8")
    (d / "policy.toml").write_text(
        'name = "ours"\n[[checks]]\nid = "ir"\nmetric = "selection_rate"\ncompare = "ratio"\nmin = 0.8\n', encoding="utf-8"
    )
    make_p12(d / "signer.p12")
    make_p12(d / "expired.p12", days_from=-90, days_to=-1)
    (d / "notes.attest").write_text("not a workspace\n")
    with Workspace.open(d / "trail.attest") as ws:
        ws.add_note("before any audit")
    (d / "folder").mkdir()
    return d


@pytest.fixture
def case(corpus: Path, tmp_path: Path, monkeypatch) -> dict:
    """A private copy of the corpus (so hard links and --force cases cannot leak between tests) and an output dir."""
    d = tmp_path / "in"
    shutil.copytree(corpus, d)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("P12PASS", PASSWORD.decode())
    return {"d": d, "out": out}


def audit_args(d: Path, *extra: object, model: bool = False) -> list[str]:
    src = ["--model", d / "model.skops", "--no-explain"] if model else ["--predictions", "pred"]
    return [
        str(a)
        for a in [
            "audit",
            "--data",
            d / "data.csv",
            "--target",
            "approved",
            "--sensitive",
            "sex",
            "--positive-label",
            "1",
            *src,
            "--bootstrap",
            "20",
            "--quiet",
            *extra,
        ]
    ]


def refused(capsys, argv: list[str], message: str, *watch: Path) -> str:
    before = digests(*watch)
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and err.startswith("error: ") and "How to fix: " in err, err
    assert message in err, f"{message!r} not in\n{err}"
    assert digests(*watch) == before
    return err


# (id, extra argv with {d} and {out}, the exact message with the same placeholders)
BAD = [
    (
        "json_is_the_data",
        ["--json", "{d}/data.csv"],
        "--json {d}/data.csv is the evaluation data (--data) of this run: writing there would destroy it. Nothing was written.",
    ),
    (
        "pdf_is_the_model",
        ["--json", "{out}/r.json", "--pdf", "{d}/model.skops"],
        "--pdf {d}/model.skops is the audited model (--model) of this run: writing there would destroy it.",
    ),
    (
        "json_is_the_context",
        ["--json", "{d}/context.toml", "--context", "{d}/context.toml"],
        "--json {d}/context.toml is the context file (--context) of this run",
    ),
    (
        "json_is_the_policy",
        ["--json", "{d}/policy.toml", "--policy", "{d}/policy.toml"],
        "--json {d}/policy.toml is the policy file (--policy) of this run",
    ),
    (
        "json_is_the_workspace",
        ["--json", "{d}/trail.attest", "--workspace", "{d}/trail.attest"],
        "--json {d}/trail.attest is the workspace (--workspace) of this run",
    ),
    (
        "pdf_is_the_certificate",
        ["--json", "{out}/r.json", "--pdf", "{d}/signer.p12", "--sign", "{d}/signer.p12", "--sign-password-env", "P12PASS"],
        "--pdf {d}/signer.p12 is the signing certificate (--sign) of this run",
    ),
    (
        "manifest_is_the_context",
        ["--json", "{out}/r.json", "--pdf", "{d}/ctx.pdf", "--context", "{d}/ctx.evidence.json"],
        "Its evidence manifest {d}/ctx.evidence.json is the context file (--context) of this run",
    ),
    ("json_is_a_folder", ["--json", "{d}/folder"], "--json {d}/folder is a folder, not a file."),
    ("json_is_a_device", ["--json", "/dev/null"], "--json /dev/null is not a regular file (a device, pipe or socket)."),
    ("json_exists", ["--json", "{d}/context.toml"], "--json {d}/context.toml exists already; it was left as it is."),
    (
        "json_and_pdf_the_same",
        ["--json", "{out}/r.out", "--pdf", "{out}/r.out"],
        "--json and --pdf name the same file, {out}/r.out.",
    ),
    (
        "bad_workspace",
        ["--json", "{out}/r.json", "--workspace", "{d}/notes.attest"],
        "{d}/notes.attest is not an Attest workspace (it is not an SQLite database); it was left untouched.",
    ),
    (
        "workspace_folder_missing",
        ["--json", "{out}/r.json", "--workspace", "{d}/nowhere/w.attest"],
        "The folder {d}/nowhere does not exist, so w.attest cannot be created there.",
    ),
    (
        "wrong_certificate_password",
        [
            "--json",
            "{out}/r.json",
            "--pdf",
            "{out}/r.pdf",
            "--workspace",
            "{d}/trail.attest",
            "--sign",
            "{d}/signer.p12",
            "--sign-password-env",
            "NOPASS",
        ],
        "The certificate file {d}/signer.p12 cannot be opened: the password is wrong, or it is not a PKCS#12 file.",
    ),
    (
        "expired_certificate",
        ["--json", "{out}/r.json", "--pdf", "{out}/r.pdf", "--sign", "{d}/expired.p12", "--sign-password-env", "P12PASS"],
        "The certificate CN=Dana Kim, O=Attest tests expired on ",
    ),
]


@pytest.mark.parametrize("extra, message", [pytest.param(a, m, id=i) for i, a, m in BAD])
def test_refused_outputs_write_nothing(case, capsys, monkeypatch, extra, message) -> None:
    d, out = case["d"], case["out"]
    monkeypatch.setenv("NOPASS", "wrong")
    fill = lambda s: s.replace("{d}", str(d)).replace("{out}", str(out))  # noqa: E731
    refused(capsys, audit_args(d, *map(fill, extra), model=True), fill(message), d, out)
    assert list(out.iterdir()) == []


def test_links_to_an_input_are_the_input(case, capsys) -> None:
    d, out = case["d"], case["out"]
    os.link(d / "data.csv", out / "hard.json")
    (out / "soft.json").symlink_to(d / "data.csv")
    for name in ("hard.json", "soft.json"):
        refused(
            capsys,
            audit_args(d, "--json", out / name, "--force"),
            f"--json {out / name} is the evaluation data (--data) of this run",
            d,
            out,
        )


def test_force_replaces_an_earlier_result(case, capsys) -> None:
    d, out = case["d"], case["out"]
    old = out / "r.json"
    old.write_text("the earlier result")
    refused(capsys, audit_args(d, "--json", old), f"--json {old} exists already; it was left as it is.", d, out)
    assert main(audit_args(d, "--json", old, "--force")) in (0, 1)
    assert old.read_text().startswith("{") and sorted(p.name for p in out.iterdir()) == ["r.json"]


def fail_writes(monkeypatch, suffix: str, err: int = errno.ENOSPC) -> None:
    """Every write to a temporary output file whose name holds `suffix` fails as on a full disk."""
    real = os.write

    def write(fd, data):
        if fd > 2 and suffix in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(err, os.strerror(err))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_full_disk_writing_the_json_leaves_nothing_and_records_nothing(case, capsys, monkeypatch) -> None:
    d, out = case["d"], case["out"]
    fail_writes(monkeypatch, ".r.json.")
    err = refused(
        capsys,
        audit_args(d, "--json", out / "r.json", "--workspace", d / "trail.attest"),
        f"{out / 'r.json'} could not be written: No space left on device. Nothing was written there",
        d,
    )
    assert "Free some disk space" in err and list(out.iterdir()) == []
    with Workspace.open(d / "trail.attest", readonly=True) as ws:
        assert [e.kind for e in ws.events()] == ["note"]  # the run was not recorded


def test_full_disk_writing_the_pdf_leaves_no_report_and_no_json(case, capsys, monkeypatch) -> None:
    d, out = case["d"], case["out"]
    fail_writes(monkeypatch, ".r.pdf.")
    rc = main(audit_args(d, "--json", out / "r.json", "--pdf", out / "r.pdf", "--workspace", d / "trail.attest"))
    err = capsys.readouterr().err
    assert rc == 2 and f"{out / 'r.pdf'} could not be written: No space left on device." in err
    assert list(out.iterdir()) == []
    with Workspace.open(d / "trail.attest", readonly=True) as ws:
        assert ws.verify().ok and not ws.events(kind="report_exported")  # the run is recorded, no report is


def test_a_failed_trail_record_takes_the_report_back_and_restores_the_old_one(case, capsys, monkeypatch) -> None:
    from audit.trail import WorkspaceError
    from audit.trail.workspace import Workspace as W

    d, out = case["d"], case["out"]
    (out / "r.pdf").write_bytes(b"%PDF-1.7 the earlier report")
    (out / "r.evidence.json").write_text("{}")
    before = digests(out)

    def full(*a, **k):
        raise WorkspaceError("The disk holding the workspace is full.", "Free some disk space, then try again.")

    monkeypatch.setattr(W, "record_report", full)
    rc = main(audit_args(d, "--json", out / "r.json", "--pdf", out / "r.pdf", "--workspace", d / "trail.attest", "--force"))
    assert rc == 2 and "The disk holding the workspace is full." in capsys.readouterr().err
    assert digests(out) == before and sorted(p.name for p in out.iterdir()) == ["r.evidence.json", "r.pdf"]


def test_report_command_refuses_its_workspace_and_existing_files(case, capsys) -> None:
    d, out = case["d"], case["out"]
    assert main(audit_args(d, "--json", out / "r.json", "--workspace", d / "trail.attest")) in (0, 1)
    capsys.readouterr()
    with Workspace.open(d / "trail.attest", readonly=True) as ws:
        run_id = ws.audit_runs()[-1].run_id
    ws = d / "trail.attest"
    refused(
        capsys,
        ["report", "--workspace", str(ws), "--run", run_id, "--out", str(ws)],
        f"--out {ws} is the workspace (--workspace) of this run: writing there would destroy it.",
        d,
        out,
    )
    (out / "r.pdf").write_bytes(b"%PDF old")
    refused(
        capsys,
        ["report", "--workspace", str(ws), "--run", run_id, "--out", str(out / "r.pdf")],
        f"--out {out / 'r.pdf'} exists already; it was left as it is.",
        d,
        out,
    )
    assert main(["report", "--workspace", str(ws), "--run", run_id, "--out", str(out / "r.pdf"), "--force", "--no-charts"]) == 0
    assert (out / "r.pdf").read_bytes().startswith(b"%PDF-") and (out / "r.evidence.json").is_file()


def test_a_real_full_disk(case, tmp_path) -> None:
    """A 256 KiB tmpfs (root only): the JSON fits, the PDF does not; nothing is left on the full disk."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    d = case["d"]
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)], capture_output=True).returncode != 0:
        pytest.skip("tmpfs mounts are not permitted here")
    try:
        r = subprocess.run(
            [sys.executable, "-m", "cli.main", *audit_args(d, "--json", small / "r.json", "--pdf", small / "r.pdf")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 2, r.stderr
        assert "could not be written: No space left on device." in r.stderr and "Traceback" not in r.stderr
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], capture_output=True)
