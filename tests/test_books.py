"""Clean books: dvc.lock records only stages dvc.yaml defines, and a result's provenance says
"+dirty" only when the code differs from the commit (not because a run rewrote results)."""
import subprocess

import yaml

from conftest import ROOT
from synthlens.provenance import git_commit


def test_dvc_lock_holds_only_stages_of_dvc_yaml():
    defined = set(subprocess.run([str(ROOT / ".venv/bin/dvc"), "stage", "list", "--name-only"],
                                 cwd=ROOT, capture_output=True, text=True, check=True,
                                 timeout=120).stdout.split())
    locked = set(yaml.safe_load((ROOT / "dvc.lock").read_text())["stages"])
    assert defined and not locked - defined, f"stale dvc.lock entries: {sorted(locked - defined)}"


def _git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_dirty_means_the_code_differs(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("x = 1\n")
    (tmp_path / "data" / "metrics").mkdir(parents=True)
    (tmp_path / "data" / "metrics" / "a.json").write_text("{}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "c")
    head = _git(tmp_path, "rev-parse", "HEAD")
    monkeypatch.chdir(tmp_path)
    assert git_commit() == head
    (tmp_path / "data" / "metrics" / "a.json").unlink()  # make reproduce clears the results
    assert git_commit() == head
    (tmp_path / "src" / "m.py").write_text("x = 2\n")
    assert git_commit() == head + "+dirty"
