"""incremental.py: the canonical hash that keys kept results, and the removal of stale ones."""
import hashlib
import json
from pathlib import Path

from synthlens.incremental import canonical_sha256, drop_stale, file_sha256


def test_canonical_hash_is_the_documented_recipe_and_ignores_key_order():
    payload = {"b": [1, 2.5, None], "a": {"y": True, "x": "t"}}
    recipe = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    assert canonical_sha256(payload) == recipe
    assert canonical_sha256({"a": {"x": "t", "y": True}, "b": [1, 2.5, None]}) == recipe
    assert canonical_sha256(payload, 16) == recipe[:16]
    assert canonical_sha256({**payload, "b": [1, 2.5]}) != recipe
    # what JSON cannot hold is written as its str()
    assert canonical_sha256({"p": Path("a/b")}) == canonical_sha256({"p": "a/b"})


def test_file_hash(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert file_sha256(tmp_path / "f") == hashlib.sha256(b"abc").hexdigest()


def test_drop_stale_removes_only_what_is_not_kept(tmp_path, caplog):
    files = [tmp_path / "d" / f"{i}.json" for i in range(3)]
    for f in files:
        f.parent.mkdir(exist_ok=True)
        f.write_text("{}")
    caplog.set_level("INFO")
    removed = drop_stale(tmp_path.glob("*/*.json"), {files[0], files[2]}, "evaluate")
    assert removed == [files[1]]
    assert [f.exists() for f in files] == [True, False, True]
    assert "evaluate: removing" in caplog.text
    assert drop_stale(tmp_path.glob("*/*.json"), set(files), "evaluate") == []
