"""The metrics file's one schema (metrics/schema.py): every committed metrics file fits it,
check() names an undeclared or a missing key, K names every key and nothing else, every key
is commented, and (the layout rule) no module spells a key as a string literal."""
import ast
import copy
import io
import json
import tokenize
from pathlib import Path

import pytest

from synthlens.metrics import schema
from synthlens.metrics.schema import KEYS, REQUIRED, K, check

from conftest import ROOT

METRICS = ROOT / "data" / "metrics"
SRC = ROOT / "src"
SCHEMA_FILE = SRC / "synthlens" / "metrics" / "schema.py"
ROOMS = ("metrics", "report", "stages", "tools")
# Modules whose string keys belong to another file that shares a few names with the metrics
# file: train_reference writes the reference classifiers' scores.json ("complexity" of
# R-train), which evaluate reads as an input, not as a metrics file.
OTHER_FILES = {Path("stages", "train_reference.py")}


def committed() -> list[Path]:
    return sorted(METRICS.rglob("*.json"))


def example() -> dict:
    return json.loads((METRICS / "gpt2-mini" / "sst2" / "t1_0.json").read_text())


def test_every_committed_metrics_file_fits_the_schema():
    files = committed()
    assert files, f"no metrics files under {METRICS}"
    kinds = set()
    for path in files:
        m = json.loads(path.read_text())
        assert check(m, str(path)) is m
        kinds.add(m["info"]["kind"])
    # the required keys hold for every kind of row, not only the synthetic datasets
    assert {"synthetic", "reference", "reference_sized", "mixture"} <= kinds


def test_required_keys_are_those_every_metrics_file_has():
    assert REQUIRED == {"info", "provenance", "n_samples", "diversity", "mauve",
                        "faithfulness", "complexity", "performance"}
    assert REQUIRED < KEYS


def test_check_names_a_misspelt_key():
    m = example()
    m["faithfullness"] = 0.5
    with pytest.raises(ValueError, match=r"here\.json.*undeclared.*'faithfullness'"):
        check(m, "here.json")


def test_check_names_a_missing_key():
    m = example()
    del m["mauve"]
    with pytest.raises(ValueError, match=r"here\.json.*missing.*'mauve'"):
        check(m, "here.json")


def test_check_names_both_kinds_of_problem_and_leaves_a_good_file_alone():
    m = example()
    before = copy.deepcopy(m)
    assert check(m, "x") is m and m == before
    m["mean_chars"] = 1.0
    del m["info"]
    with pytest.raises(ValueError) as caught:
        check(m, "x")
    assert "'mean_chars'" in str(caught.value) and "'info'" in str(caught.value)
    with pytest.raises(ValueError, match="JSON object"):
        check([], "x")
    # an older file the report still reads: the caller may ask for fewer keys
    del m["mean_chars"]
    assert check(m, "x", required=frozenset()) is m


def test_k_names_every_key_and_nothing_else():
    assert len(KEYS) == len(set(schema.MetricsFile.__annotations__))
    for key in KEYS:
        assert getattr(K, key) == key
    assert K.faithfulness == "faithfulness" and K.mauve_ci_low == "mauve_ci_low"
    with pytest.raises(AttributeError, match="nope"):
        K.nope
    assert not hasattr(K, "faithfullness")
    with pytest.raises(AttributeError):
        K.mauve = "conformity"
    assert sorted(dir(K)) == sorted(KEYS)


def _comment_lines(source: str) -> set[int]:
    return {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT}


def test_every_key_is_commented():
    """Each annotated field of MetricsFile (and of the TypedDicts it nests) has a trailing
    comment, or a comment line right above it."""
    source = SCHEMA_FILE.read_text()
    lines = source.splitlines()
    comments = _comment_lines(source)
    classes = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)}
    assert "MetricsFile" in classes
    fields = 0
    bare = []
    for name, cls in classes.items():
        if not any(getattr(b, "id", None) == "TypedDict" for b in cls.bases):
            continue
        for stmt in cls.body:
            if not isinstance(stmt, ast.AnnAssign):
                continue
            fields += name == "MetricsFile"
            line = stmt.lineno
            above = lines[line - 2].strip().startswith("#")
            if line not in comments and not above:
                bare.append(f"{name}.{stmt.target.id} (line {line})")
    assert not bare, f"fields without a comment: {bare}"
    assert fields == len(KEYS)


# ------------------------------------------------------------------------- the layout rule
def _is_doc(node: ast.AST) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def key_literals(src: Path, keys=KEYS) -> list[str]:
    """Every string literal equal to a metrics-file key in the modules of
    src/synthlens/{metrics,report,stages,tools} other than metrics/schema.py, outside
    docstrings (any bare string statement) and f-strings: "path:line: 'key'"."""
    package = src / "synthlens"
    found = []

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.JoinedStr) or _is_doc(node):
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in keys:
            found.append(f"{where}:{node.lineno}: {node.value!r}")
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    for room in ROOMS:
        for path in sorted((package / room).rglob("*.py")):
            rel = path.relative_to(package)
            if rel == Path("metrics", "schema.py") or rel in OTHER_FILES:
                continue
            visit(ast.parse(path.read_text(), str(path)), rel.as_posix())
    return found


def test_the_rule_sees_literals_and_leaves_docstrings_and_f_strings(tmp_path):
    (tmp_path / "synthlens" / "report").mkdir(parents=True)
    (tmp_path / "synthlens" / "metrics").mkdir()
    (tmp_path / "synthlens" / "metrics" / "schema.py").write_text('X = "mauve"\n')
    (tmp_path / "synthlens" / "report" / "a.py").write_text(
        '"""Reads "mauve"."""\n'
        'def f(row, c):\n'
        '    """mauve"""\n'
        '    return row["mauve"], f"{c}_std", f"{row[\'mauve\']}", row[K.diversity]\n')
    assert key_literals(tmp_path) == ["report/a.py:4: 'mauve'"]
