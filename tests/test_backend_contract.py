"""The generation backend contract in code (generation/backend_api.py): every registered backend
keeps it (read off the classes, no model loaded), the registry and params' backend names agree,
and the generate stage runs on any backend that keeps it, here the dummy of tests/dummy_backend.py,
with the probe and partial-shard capabilities read from the class."""
import ast
import inspect
import textwrap
import typing

import pytest

from synthlens.config import ModelSpec, Params
from synthlens.generation import backends
from synthlens.generation.backend_api import PROBE_ATTRIBUTES, Backend
from synthlens.generation.sampling import completion
from synthlens.layout import probe_file, reference_dir, synthetic_file
from synthlens.records import read_json, read_jsonl, write_jsonl
from synthlens.stages import generate

from conftest import load_builtin_params
from dummy_backend import DummyBackend, PartialDummy, ProbeableDummy, dummy_text

MAX_NEW = 8
# what each shipped backend can do today; a change here is a change of behaviour
CAPABILITIES = {"hf": (True, False), "openai": (False, True), "vllm": (False, False)}


def instance_attributes() -> list[str]:
    """Backend's attributes that each instance sets (annotated, not ClassVar)."""
    return [k for k, v in Backend.__annotations__.items() if not str(v).startswith("ClassVar")]


def assigned_in_init(cls) -> set[str]:
    """self.<name> assigned in the __init__ that cls runs, and in those it reaches through
    super().__init__()."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass in (Backend, object):
            continue
        source = textwrap.dedent(inspect.getsource(init))
        names |= {node.attr for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                  and getattr(node.value, "id", "") == "self"}
        if "super().__init__(" not in source:
            break
    return names


def contract_problems(cls) -> list[str]:
    problems = []
    if not issubclass(cls, Backend):
        return [f"{cls.__name__} does not subclass backend_api.Backend"]
    if inspect.isabstract(cls):
        problems.append(f"{cls.__name__} leaves abstract: {sorted(cls.__abstractmethods__)}")
    if list(inspect.signature(cls).parameters)[:3] != ["params", "model_name", "domain"]:
        problems.append(f"{cls.__name__}(params, model_name, domain) is not how it is built")
    for method in ("model_input", "complete"):
        want = list(inspect.signature(getattr(Backend, method)).parameters)
        have = list(inspect.signature(getattr(cls, method)).parameters)
        if have[:len(want)] != want:
            problems.append(f"{cls.__name__}.{method}{have} does not start with {want}")
    needed = instance_attributes() + (list(PROBE_ATTRIBUTES) if cls.can_probe else [])
    missing = [a for a in needed if a not in assigned_in_init(cls)]
    if missing:
        problems.append(f"{cls.__name__}.__init__ does not set {missing}")
    if cls.keeps_partial and "on_result" not in inspect.signature(cls.complete).parameters:
        problems.append(f"{cls.__name__} keeps_partial without complete(on_result=)")
    return problems


# ------------------------------------------------------------- (a) the classes
@pytest.mark.parametrize("name", sorted(backends.BACKENDS))
def test_every_registered_backend_keeps_the_contract(name):
    cls = backends.BACKENDS[name]
    assert contract_problems(cls) == []
    assert (cls.can_probe, cls.keeps_partial) == CAPABILITIES[name]


@pytest.mark.parametrize("cls", [DummyBackend, ProbeableDummy, PartialDummy])
def test_the_dummies_keep_it_too(cls):
    assert contract_problems(cls) == []


def test_registry_and_params_name_the_same_backends():
    literal = typing.get_args(ModelSpec.model_fields["backend"].annotation)
    assert set(literal) == set(backends.BACKENDS) == set(CAPABILITIES)
    assert instance_attributes() == ["path", "revision", "device"]


def test_the_contract_check_catches_what_it_guards_against():
    with pytest.raises(TypeError, match="on_result"):
        class NoCallback(DummyBackend):  # refused at class creation
            keeps_partial = True

    class NoDevice(DummyBackend):
        def __init__(self, params, model_name, domain):  # sets no device
            self.path, self.revision = "p", "r"

    class HalfDone(Backend):
        def model_input(self, prompt):
            return prompt

    assert "does not set ['device']" in " ".join(contract_problems(NoDevice))
    assert "leaves abstract: ['complete']" in " ".join(contract_problems(HalfDone))
    assert "does not set ['model', 'tok']" in " ".join(
        contract_problems(type("Claims", (DummyBackend,), {"can_probe": True})))


def test_an_unregistered_name_is_a_clear_error(monkeypatch):
    monkeypatch.delitem(backends.BACKENDS, "hf")
    with pytest.raises(ValueError, match="no backend 'hf' is registered"):
        backends.load_backend(one_cell(), "gpt2-mini", "reviews")


# ------------------------------------------------------------- (b), (c) the stage on the dummy
def one_cell(probe: bool = False) -> Params:
    """gpt2-mini on reviews x t1_0, 5 samples a label, as tests/test_generation.py runs it."""
    raw = load_builtin_params()
    raw["domains"]["reviews"]["samples_per_label"] = 5
    raw["generate"].update(shard_size=3, batch_size=2, max_new_tokens=MAX_NEW)
    raw["grid"] = {"models": ["gpt2-mini"], "domains": ["reviews"], "decodings": ["t1_0"]}
    raw["probe"]["enabled"] = probe
    raw.pop("templates", None)  # one cell: no template variants, no mixtures
    raw.pop("mixtures", None)
    return Params.model_validate(raw)


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def register(monkeypatch, cls) -> None:
    """cls in the registry under the name gpt2-mini's params give (hf): params only accept the
    names of ModelSpec.backend's Literal, so a new name would also need config/models.py's edit."""
    monkeypatch.setitem(backends.BACKENDS, "hf", cls)


@pytest.mark.parametrize("cls", [DummyBackend, PartialDummy])
def test_generate_runs_end_to_end_on_the_dummy(scratch, monkeypatch, cls):
    register(monkeypatch, cls)
    params = one_cell()
    done = generate.run(params, "gpt2-mini")
    assert (done["generated"], done["model_loads"]) == (1, 1)
    rows = read_jsonl(synthetic_file("gpt2-mini", "reviews", "t1_0"))
    assert [r["sample_index"] for r in rows] == list(range(10))
    cleaning = params.generate.cleaning
    for r in rows:
        raw = dummy_text(r["seed"], MAX_NEW)
        assert (r["raw_text"], r["text"]) == (raw, completion(raw, False, cleaning).text)
        assert r["model_path"] == "dummy://gpt2-mini/reviews"
        assert (r["model_revision"], r["device"]) == ("dummy-1", "none")
    assert len({r["text"] for r in rows}) > 1
    # unchanged params: kept, and the backend is not even built
    assert generate.run(params, "gpt2-mini")["model_loads"] == 0


def write_r_test(n: int = 6) -> None:
    write_jsonl(reference_dir("reviews") / "test.jsonl",
                [{"text": f"review {i}", "label": i % 2} for i in range(n)])


# the capability is what the class declares: holding a `model` does not make a backend probeable
UNDECLARED = type("UndeclaredProbe", (ProbeableDummy,), {"can_probe": False})


@pytest.mark.parametrize("cls", [DummyBackend, UNDECLARED])
def test_a_backend_without_the_probe_capability_is_not_probed(scratch, monkeypatch, cls):
    from synthlens.generation import probe

    register(monkeypatch, cls)
    monkeypatch.setattr(probe, "zero_shot_accuracy", lambda *a, **k: pytest.fail("scored"))
    write_r_test()
    generate.run(one_cell(probe=True), "gpt2-mini")
    result = read_json(probe_file("gpt2-mini"))["reviews"]
    assert result["zero_shot_accuracy"] is None and result["note"].endswith("not probed")


def test_a_backend_with_it_is_probed_with_its_own_model(scratch, monkeypatch):
    from synthlens.generation import probe

    seen = {}

    def fake_scores(model, tok, **kwargs):
        seen.update(model=model, tok=tok, **kwargs)
        return {"zero_shot_accuracy": 0.5, "n": len(kwargs["texts"]), "majority_share": 0.5}

    built = []
    register(monkeypatch, lambda *a: built.append(ProbeableDummy(*a)) or built[-1])
    monkeypatch.setattr(probe, "zero_shot_accuracy", fake_scores)
    write_r_test()
    generate.run(one_cell(probe=True), "gpt2-mini")
    result = read_json(probe_file("gpt2-mini"))["reviews"]
    assert (result["zero_shot_accuracy"], result["n"]) == (0.5, 6)
    assert seen["model"] is built[0].model and seen["tok"] is built[0].tok
    assert seen["label_phrases"] and seen["device"] == "cpu"



def test_a_batch_holds_several_datasets_and_each_sample_is_its_own(scratch, monkeypatch):
    """The stage packs the shards of a domain's datasets into batches of generate.batch_size
    (generation/cell_work.py): two decodings of 10 samples go out as one batch of 20, and every
    dataset is what a stage that batched it alone writes; a backend that keeps partial shards
    gets one dataset a batch."""
    calls = []

    class Spy(DummyBackend):
        def complete_mixed(self, requests, decodings, max_new_tokens):
            calls.append(sorted({(d.temperature, d.top_p) for d in decodings}))
            return super().complete_mixed(requests, decodings, max_new_tokens)

    register(monkeypatch, Spy)
    raw = load_builtin_params()
    raw["domains"]["reviews"]["samples_per_label"] = 5
    raw["generate"].update(shard_size=10, batch_size=20, max_new_tokens=MAX_NEW)
    raw["grid"] = {"models": ["gpt2-mini"], "domains": ["reviews"], "decodings": ["t1_0", "p0_9"]}
    raw["probe"]["enabled"] = False
    raw.pop("templates", None)
    raw.pop("mixtures", None)
    params = Params.model_validate(raw)
    generate.run(params, "gpt2-mini")
    assert len(calls) == 1 and len(calls[0]) == 2          # both decodings, one call
    together = {d: read_jsonl(synthetic_file("gpt2-mini", "reviews", d)) for d in ("t1_0", "p0_9")}
    for d in together:
        synthetic_file("gpt2-mini", "reviews", d).unlink()
    raw["generate"]["batch_size"] = 10                      # one dataset a batch
    generate.run(Params.model_validate(raw), "gpt2-mini")
    assert len(calls) == 3
    for d, rows in together.items():
        assert read_jsonl(synthetic_file("gpt2-mini", "reviews", d)) == rows
