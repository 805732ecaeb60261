"""The container run, without a Docker engine: the image's build context, made with Docker's own
.dockerignore rules (the `docker` SDK's build-context code), and `make reproduce` run in it as
the image runs it: no .git (DVC with core.no_scm, set by the Dockerfile's own RUN lines), a
non-root user, data/ on a separate "volume" directory with data/raw mounted read-only over it,
the image's environment. A first run is killed mid-evaluate and the second one must keep every
metrics file and probe the first one finished.

As root (the development machines and CI), the run happens in a private mount namespace
(`unshare -m`) under uid 1000 (`setpriv`), with bind mounts standing in for Docker's volumes;
the host venv stands in for the image's `make setup` (same requirements.lock).
"""
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker.utils.build
import pytest
import yaml

from conftest import ROOT
from test_dockerfile import instructions
from test_pipeline_e2e import micro_params

DOCKERIGNORE = ROOT / ".dockerignore"
UID = 1000


def dockerignore_patterns() -> list[str]:
    return [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")]


def context_paths(root: Path = ROOT) -> set[str]:
    """The files and directories `docker build` sends, relative to root (Docker's rules)."""
    return set(docker.utils.build.exclude_paths(str(root), dockerignore_patterns(),
                                                dockerfile="Dockerfile"))


def external_inputs() -> set[str]:
    """Paths dvc.yaml's stages read that no stage writes: they must come with the image."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    outs = set()
    for stage in stages.values():
        for key in ("outs", "metrics", "plots"):
            for out in stage.get(key, []):
                outs.add(next(iter(out)) if isinstance(out, dict) else out)
    written = lambda dep: any(dep == o or dep.startswith(o + "/") or o.startswith(dep + "/")  # noqa: E731
                              for o in outs)
    deps = {dep for stage in stages.values() for dep in stage.get("deps", [])}
    return {dep for dep in deps if not written(dep)}


def test_every_pipeline_input_is_in_the_build_context():
    sent = context_paths()
    missing = sorted(dep for dep in external_inputs() if dep not in sent)
    assert "data/human_labels" in external_inputs()  # the input the image used to lack
    assert not missing, f"dvc.yaml reads these, but .dockerignore keeps them out: {missing}"


@pytest.mark.parametrize("path, sent", [
    ("data/metrics/reference/sst2/reference.json", False),
    ("data/synthetic/smollm2-135m-instruct/fingerprints.json", False),
    ("data/.computed-here", False),
    (".git/HEAD", False),
    ("data/human_labels/README.md", True),
    ("data/raw/questions.csv", True),
    ("data/raw/sst2_train.jsonl", True),  # the default grid's real-text domains
    ("data/raw/agnews_test.jsonl", True),
])
def test_build_context_keeps_outputs_out_and_inputs_in(path, sent):
    assert (path in context_paths()) is sent


def _copy_context(dest: Path) -> None:
    for rel in sorted(context_paths()):
        src = ROOT / rel
        if src.is_dir() and not src.is_symlink():
            (dest / rel).mkdir(parents=True, exist_ok=True)
        elif src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _runs_after_copy_all() -> list[str]:
    """The Dockerfile's RUN lines after `COPY . .`: the image's setup of the copied tree."""
    steps, seen = [], False
    for instruction, args in instructions():
        if instruction == "COPY" and args.split()[-2:] == [".", "."]:
            seen = True
        elif seen and instruction == "RUN":
            steps.append(args)
    return steps


def _image_env() -> dict[str, str]:
    env = {}
    for args in (a for i, a in instructions() if i == "ENV"):
        for word in shlex.split(args):
            key, _, value = word.partition("=")
            env[key] = value
    return env


class Container:
    """The image's filesystem, with data/ on a volume and the caches on theirs."""

    def __init__(self, base: Path):
        self.base = base
        self.app = base / "home" / "synthlens" / "app"
        self.volume = base / "volumes" / "data"
        self.host_raw = base / "host" / "data" / "raw"
        self.cache = base / "cache"
        self.as_root = os.geteuid() == 0

    def build(self) -> None:
        self.app.mkdir(parents=True)
        _copy_context(self.app)
        (self.app / "params.yaml").write_text(yaml.safe_dump(micro_params(), sort_keys=False))
        # the micro profile's two-file local domain (tests/test_pipeline_e2e.py), on the host
        shutil.copytree(self.app / "data" / "raw", self.host_raw)
        header, *rows = (self.host_raw / "questions.csv").read_text().splitlines()
        cut = len(rows) * 7 // 10
        (self.host_raw / "questions_train.csv").write_text("\n".join([header, *rows[:cut]]) + "\n")
        (self.host_raw / "questions_test.csv").write_text("\n".join([header, *rows[cut:]]) + "\n")
        # `make setup` of the image: the host venv, built from the same requirements.lock
        (self.app / ".venv").symlink_to(ROOT / ".venv")
        for d in ("hf", "dvc"):
            (self.cache / d).mkdir(parents=True)
        # a new named volume starts as a copy of the image's data/
        shutil.copytree(self.app / "data", self.volume)
        (self.base / "home" / "synthlens" / ".home").mkdir()
        env = self.env()
        for step in _runs_after_copy_all():
            step = step.replace("/cache/", f"{self.cache}/")
            subprocess.run(["bash", "-o", "pipefail", "-c", step], cwd=self.app, env=env,
                           check=True, capture_output=True, text=True, timeout=120)
        if self.as_root:
            for path in (self.base / "home", self.volume, self.cache):
                subprocess.run(["chown", "-R", f"{UID}:{UID}", str(path)], check=True)
            os.chmod(self.base, 0o755)

    def env(self) -> dict[str, str]:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.base / "home" / "synthlens"
                                                                  / ".home"),
               "LANG": "C.UTF-8", "SYNTHLENS_DEVICE": "cpu"}
        env.update(_image_env())
        env["HF_HOME"] = env["HF_HOME"].replace("/cache/", f"{self.cache}/")
        # the image's editable install points at its own copy of src/: so does this one
        env["PYTHONPATH"] = str(self.app / "src")
        return env

    def start(self, log: Path) -> subprocess.Popen:
        """`make reproduce` (the image's CMD) in a new process group; the image's `make setup`
        is taken as done (-o), as it is in the image."""
        make = "make -o .venv/.installed reproduce"
        if self.as_root:
            # Docker's volumes: data/ from the volume, data/raw from the host, read-only. The
            # pyenv interpreter under /root (mode 700) is made reachable for uid 1000.
            script = f"""set -e
mount --bind {self.volume} {self.app}/data
mount --bind {self.host_raw} {self.app}/data/raw
mount -o remount,ro,bind {self.app}/data/raw
if [ -d /root/.pyenv ] && [ "$(stat -c %a /root)" != 755 ]; then
  mkdir -p {self.base}/pyenv && mount --bind /root/.pyenv {self.base}/pyenv
  mount -t tmpfs -o mode=755 tmpfs /root && mkdir /root/.pyenv
  mount --bind {self.base}/pyenv /root/.pyenv
fi
cd {self.app}
exec setpriv --reuid={UID} --regid={UID} --clear-groups {make}
"""
            cmd = ["unshare", "-m", "--propagation", "private", "bash", "-c", script]
        else:
            shutil.rmtree(self.app / "data")
            (self.app / "data").symlink_to(self.volume)
            cmd = ["bash", "-c", make]
        return subprocess.Popen(cmd, cwd=self.app, env=self.env(), stdout=log.open("w"),
                                stderr=subprocess.STDOUT, start_new_session=True)


def _finished_metrics(volume: Path) -> dict[Path, tuple[int, bytes]]:
    return {p: (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted((volume / "metrics").glob("**/*.json"))}


@pytest.mark.skipif(shutil.which("unshare") is None and os.geteuid() == 0,
                    reason="needs unshare (util-linux) to stand in for Docker's volumes")
def test_container_run_survives_a_kill_mid_evaluate_and_finishes():
    base = Path(tempfile.mkdtemp(prefix="synthlens-container-", dir="/tmp"))
    try:
        box = Container(base)
        box.build()
        assert not (box.app / ".git").exists()
        # results a checkout would carry (the default grid's): the first run clears them once,
        # never again
        stale = box.volume / "metrics" / "sst2" / "committed.json"
        stale.parent.mkdir(parents=True)
        stale.write_text("{}")
        if box.as_root:
            subprocess.run(["chown", "-R", f"{UID}:{UID}", str(box.volume)], check=True)

        first_log = base / "first.log"
        first = box.start(first_log)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and first.poll() is None:
            metrics = [p for p in (box.volume / "metrics").glob("*/*/*.json")
                       if p.parts[-3] not in ("reference", "mixtures")]
            if metrics and any((box.volume / "probe").glob("*.json")):
                break  # evaluate@<model> has written a dataset's metrics: kill it mid-stage
            time.sleep(0.2)
        assert first.poll() is None, "the first run ended before evaluate:\n" + \
            first_log.read_text()[-4000:]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=60)
        time.sleep(0.5)
        finished = _finished_metrics(box.volume)
        probes = {p: p.read_bytes() for p in (box.volume / "probe").glob("*.json")}
        assert finished and probes and not stale.exists()
        assert "First run in this checkout" in first_log.read_text()

        # the next `make docker-reproduce` is a new container: its writable layer, where the
        # killed run's DVC lock file (.dvc/tmp/rwlock, naming a dead or reused PID) lies, is
        # gone; the image has no .dvc/tmp (.dockerignore). Only the volumes carry over.
        shutil.rmtree(box.app / ".dvc" / "tmp", ignore_errors=True)
        second_log = base / "second.log"
        second = box.start(second_log)
        rc = second.wait(timeout=1200)
        out = second_log.read_text()
        assert rc == 0, out[-6000:]
        assert "First run in this checkout" not in out  # nothing finished was wiped again
        after = _finished_metrics(box.volume)
        for path, (mtime, content) in finished.items():  # written atomically: whole or absent
            assert after[path] == (mtime, content), f"{path} was recomputed or lost"
        assert {p: p.read_bytes() for p in probes} == probes
        # the run finished in the image's layout: reference rows, tables, claims, dvc.lock
        for domain in ("reviews", "questions"):
            assert (box.volume / "metrics" / "reference" / domain / "reference.json").is_file()
        assert (box.app / "paper_figures" / "claims.md").is_file()
        assert (box.app / "dvc.lock").is_file()
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
