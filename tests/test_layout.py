"""The package layout stays readable (issue 11): no import circles, stages on top of the library
and never of each other, short modules that say their job, and every dvc.yaml stage's code one
step away (the first of its deps).

Read with `ast` only: nothing under src/synthlens is imported, so a broken module still gets a
clear message here. Every import counts, including those inside functions and relative ones.
"""
import ast
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

PACKAGE = "synthlens"
SRC = ROOT / "src" / PACKAGE
MAX_LINES = 400


def module_name(path: Path, src: Path = SRC) -> str:
    parts = [PACKAGE, *path.relative_to(src).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(src: Path = SRC) -> dict[str, Path]:
    """{dotted name: file} of every module of the package (a package is its __init__.py)."""
    return {module_name(p, src): p for p in sorted(src.rglob("*.py"))}


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's own modules that module `name` (file `path`) imports, anywhere in it."""
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from .report import tables` imports the module synthlens.report.tables
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            # `import synthlens.report.tables` runs synthlens.report.tables; a name that is not a
            # module (a function, a class) resolves to the module that holds it
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith(PACKAGE):
                out.add(target)
    return out


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    known = modules(src)
    return {name: imported(name, path, known) for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def is_stage(name: str) -> bool:
    return name.startswith(f"{PACKAGE}.stages.")


def stage_problems(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for name, targets in sorted(graph.items()):
        into_stages = sorted(t for t in targets if t == f"{PACKAGE}.stages" or is_stage(t))
        if not into_stages:
            continue
        if is_stage(name):
            others = [t for t in into_stages if t != f"{PACKAGE}.stages"]
            if others:
                problems.append(f"stage {name} imports another stage: {', '.join(others)} (move "
                                "what they share into the library)")
        elif name not in (f"{PACKAGE}.cli", f"{PACKAGE}.stages"):
            problems.append(f"{name} imports from the stages: {', '.join(into_stages)} (only "
                            "stages/ and cli.py may; the library must not depend on a stage)")
    return problems


def shape_problems(src: Path = SRC) -> list[str]:
    problems = []
    for name, path in modules(src).items():
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            problems.append(f"{path.relative_to(src.parent)} has {lines} lines (at most "
                            f"{MAX_LINES}: split it by role)")
        if not ast.get_docstring(ast.parse(text)):
            problems.append(f"{path.relative_to(src.parent)} does not start with a docstring "
                            "saying its one job")
    return problems


def cli_commands(cli: Path = SRC / "cli.py") -> dict[str, str | None]:
    """cli.py's COMMANDS table: {subcommand: module under synthlens}."""
    for node in ast.parse(cli.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMMANDS"
                                                for t in node.targets):
            return {k: v[0] for k, v in ast.literal_eval(node.value).items()}
    raise AssertionError(f"{cli} has no COMMANDS table")


def subcommand(cmd: str) -> str:
    words = cmd.split()
    rest = words[words.index(PACKAGE) + 1:]
    i = 0
    while rest[i].startswith("-"):  # options before the subcommand, e.g. --params FILE
        i += 1 if rest[i] in ("-v", "--verbose") or "=" in rest[i] else 2
    return rest[i]


def dvc_stage_problems(dvc_yaml: Path = ROOT / "dvc.yaml", src: Path = SRC) -> list[str]:
    commands = cli_commands(src / "cli.py")
    problems = []
    for stage, spec in yaml.safe_load(dvc_yaml.read_text())["stages"].items():
        sub = subcommand(spec["cmd"])
        module = commands.get(sub)
        if module is None or not module.startswith("stages."):
            problems.append(f"dvc stage {stage}: `{sub}` runs {module!r} in cli.py's COMMANDS, "
                            "not a module under stages/")
            continue
        path = f"src/{PACKAGE}/{module.replace('.', '/')}.py"
        if not (ROOT / path).is_file():
            problems.append(f"dvc stage {stage}: its module {path} does not exist")
        deps = spec.get("deps") or []
        if not deps or deps[0] != path:
            problems.append(f"dvc stage {stage}: the first of its deps must be {path} (the module "
                            f"it runs), not {deps[0] if deps else 'nothing'}")
    return problems


def test_the_package_has_modules_and_sees_their_imports():
    graph = import_graph()
    assert f"{PACKAGE}.cli" in graph and f"{PACKAGE}.config" in graph
    assert f"{PACKAGE}.config" in graph[f"{PACKAGE}.cli"]  # `from .config import ...`


def test_no_import_cycles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_stages_sit_on_top_of_the_library_and_never_import_each_other():
    problems = stage_problems(import_graph())
    assert not problems, "\n".join(problems)


def test_modules_are_short_and_say_their_job():
    problems = shape_problems()
    assert not problems, "\n".join(problems)


def test_every_dvc_stage_names_its_module_first():
    problems = dvc_stage_problems()
    assert not problems, "\n".join(problems)


# The checks above, shown to fail on the trees they guard against.
def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / PACKAGE


def test_the_checks_catch_what_they_guard_against(tmp_path):
    doc = '"""A module."""\n'
    src = write_tree(tmp_path, {
        "__init__.py": doc,
        "cli.py": doc + "def main():\n    from .stages import prepare\n",
        "report.py": doc + "from . import report_tables\n",
        # inside a function and relative: still an import of report
        "report_tables.py": doc + "def f():\n    from .report import RunData\n",
        "metrics.py": doc + "from synthlens.stages.evaluate import split\n",
        "stages/__init__.py": doc,
        "stages/prepare.py": doc + "from ..long import x\n",
        "stages/evaluate.py": doc + "from . import prepare\n",
        "long.py": doc + "x = 1\n" * MAX_LINES,
        "bare.py": "x = 1\n",
    })
    graph = import_graph(src)
    cycle = find_cycle(graph)
    assert cycle and set(cycle) == {"synthlens.report", "synthlens.report_tables"}
    problems = "\n".join(stage_problems(graph))
    assert "stage synthlens.stages.evaluate imports another stage: synthlens.stages.prepare" \
        in problems
    assert "synthlens.metrics imports from the stages: synthlens.stages.evaluate" in problems
    assert "synthlens.cli" not in problems
    problems = "\n".join(shape_problems(src))
    assert "long.py has 401 lines" in problems and "bare.py does not start with a docstring" \
        in problems


def test_dvc_stage_check_names_the_offender(tmp_path):
    dvc_yaml = tmp_path / "dvc.yaml"
    dvc_yaml.write_text(yaml.safe_dump({"stages": {
        "prepare": {"cmd": "python -m synthlens prepare --domain x",
                    "deps": ["src/synthlens/prepare.py"]},
        "verify": {"cmd": "python -m synthlens --params p.yaml verify",
                   "deps": ["data/metrics", "src/synthlens/stages/verify.py"]},
    }}))
    problems = "\n".join(dvc_stage_problems(dvc_yaml))
    assert ("dvc stage prepare: the first of its deps must be src/synthlens/stages/prepare.py"
            in problems)
    assert "dvc stage verify: the first of its deps must be src/synthlens/stages/verify.py" \
        in problems


@pytest.mark.parametrize("cmd, sub", [
    ("python -m synthlens prepare --domain x", "prepare"),
    ("python -m synthlens --params p.yaml -v evaluate --model m", "evaluate"),
    ("python -m synthlens --params=p.yaml report --out o", "report"),
])
def test_subcommand_is_read_from_the_cmd(cmd, sub):
    assert subcommand(cmd) == sub


def test_no_module_spells_a_metrics_key_outside_the_schema():
    """Issue 18: every metrics-file key is written K.<key> (metrics/schema.py), never as a
    string literal, in metrics/, report/, stages/ and tools/ (the rule and its own check:
    tests/test_metrics_schema.py)."""
    from test_metrics_schema import SRC as SCHEMA_SRC, key_literals

    left = key_literals(SCHEMA_SRC)
    assert not left, (f"{len(left)} metrics-file keys spelled as literals (write K.<key>, "
                      f"from synthlens.metrics.schema): {left[:20]}")
