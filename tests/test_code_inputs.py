"""Code is an input of every cached result: the code hash that keys generated datasets, probes
and metrics files covers exactly the code deps DVC tracks for their stage, and changes with
any edit of that code (tests/test_pipeline_e2e.py shows the effect through `dvc repro`)."""
import hashlib

import yaml

from conftest import ROOT
from synthlens import provenance
from synthlens.stages import evaluate, evaluate_mixtures, evaluate_reference, generate


def _code_deps(stage: str) -> set[str]:
    deps = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"][stage]["deps"]
    return {d.removeprefix("src/synthlens/") for d in deps if d.startswith("src/synthlens/")}


def test_keys_hash_exactly_the_code_dvc_tracks_for_the_stage():
    assert set(generate.CODE) == _code_deps("generate")
    assert set(evaluate.CODE) == _code_deps("evaluate")
    assert set(evaluate_reference.CODE) == _code_deps("evaluate_reference")
    assert set(evaluate_mixtures.CODE) == _code_deps("evaluate_mixtures")


def test_code_hash_follows_path_and_content(tmp_path, monkeypatch):
    (tmp_path / "room").mkdir()
    (tmp_path / "room" / "a.py").write_text("x = 1\n")
    (tmp_path / "room" / "notes.txt").write_text("not code\n")
    (tmp_path / "top.py").write_text("y = 2\n")
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path)
    # the documented recipe, written out by hand: per file, its path, NUL, sha256 of its bytes
    expected = hashlib.sha256()
    for rel, body in (("room/a.py", b"x = 1\n"), ("top.py", b"y = 2\n")):
        expected.update(rel.encode() + b"\0" + hashlib.sha256(body).digest())
    first = provenance.code_sha256("top.py", "room")
    assert first == expected.hexdigest()[:16]
    assert provenance.code_sha256("room", "top.py") == first  # order of parts does not matter
    (tmp_path / "room" / "notes.txt").write_text("edited, but not code\n")
    assert provenance.code_sha256("top.py", "room") == first
    (tmp_path / "room" / "a.py").write_text("x = 1  # a comment is an edit too\n")
    assert provenance.code_sha256("top.py", "room") != first


def test_code_hash_refuses_a_missing_part():
    import pytest
    with pytest.raises(FileNotFoundError, match="no "):
        provenance.code_sha256("metrics/no_such_module.py")
