"""The pipeline's GPU paths on a real CUDA device (marked gpu: `make gpu-check` runs them; they
skip without CUDA). Every model and tensor goes where device.choose() says, and one tiny dataset
goes through the generate stage end to end on the GPU, in bf16, and comes out complete, balanced,
labelled with the device it ran on, and the same on a second run.

Only torch, transformers, pytest and the wheels of bench/gpu-wheels are needed (no dvc,
datasets or mauve-text): what a bare GPU machine has for `make gpu-check`.
"""
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from synthlens.config import ClassifierSpec, EncoderSpec
from synthlens.device import choose, describe
from synthlens.generation.hf_backend import HFBackend
from synthlens.layout import generator_dir, synthetic_file
from synthlens.metrics import classifier
from synthlens.records import read_jsonl
from synthlens.stages import generate
from synthlens.stages.train_generator import build_tokenizer

from test_generation import TEXTS, one_cell

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.fixture
def cuda(monkeypatch):
    """The run's device set to cuda, as SYNTHLENS_DEVICE=cuda sets it for a run."""
    monkeypatch.setenv("SYNTHLENS_DEVICE", "cuda")
    choose.cache_clear()
    yield choose()
    choose.cache_clear()


def test_the_run_device_is_the_gpu_and_provenance_names_it(cuda):
    assert cuda.type == "cuda"
    assert describe(cuda) == f"cuda:{torch.cuda.get_device_name(cuda)}"


def save_generator(root) -> None:
    """A tiny GPT-2 where the pipeline looks for the mini profile's gpt2-mini on `reviews`."""
    tok = build_tokenizer(TEXTS, vocab_size=400)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=1,
                                       n_head=2, eos_token_id=tok.eos_token_id,
                                       bos_token_id=tok.eos_token_id,
                                       pad_token_id=tok.eos_token_id))
    out = root / generator_dir("gpt2-mini") / "reviews"
    model.save_pretrained(out)
    tok.save_pretrained(out)


def test_generator_weights_and_cache_are_on_the_gpu_in_bf16(cuda, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_generator(tmp_path)
    backend = HFBackend(one_cell("t1_0"), "gpt2-mini", "reviews")
    params = list(backend.model.parameters())
    assert {p.device.type for p in params} == {"cuda"}
    assert {p.dtype for p in params} == {torch.bfloat16}
    assert backend.cache == "static"
    assert backend.device == f"{describe(cuda)}/bf16"


def test_one_dataset_end_to_end_on_the_gpu(cuda, tmp_path, monkeypatch):
    """generate@gpt2-mini for one cell (5 samples a label, batches of 2 in shards of 3): every
    sample once, both labels, each row naming the GPU; the second run gives the same rows."""
    monkeypatch.chdir(tmp_path)
    save_generator(tmp_path)
    params = one_cell("t1_0")
    generate.run(params, "gpt2-mini")
    path = synthetic_file("gpt2-mini", "reviews", "t1_0")
    rows = read_jsonl(path)
    assert [r["sample_index"] for r in rows] == list(range(10))
    assert [r["label_name"] for r in rows] == ["negative"] * 5 + ["positive"] * 5
    assert {r["device"] for r in rows} == {f"{describe(cuda)}/bf16"}
    assert all(isinstance(r["text"], str) for r in rows)
    path.unlink()
    generate.run(params, "gpt2-mini")
    assert read_jsonl(path) == rows


def save_backbone(out):
    """A tiny DistilBERT with its own WordPiece vocab (no package needed on a bare machine)."""
    from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

    out.mkdir(parents=True)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "film", "awful", "lovely",
             "truly", "plot"]
    (out / "vocab.txt").write_text("\n".join(words) + "\n")
    tok = DistilBertTokenizerFast(vocab=str(out / "vocab.txt"))
    assert tok.tokenize("a lovely film") == ["a", "lovely", "film"]
    torch.manual_seed(2)
    DistilBertModel(DistilBertConfig(vocab_size=tok.vocab_size, dim=32, hidden_dim=64,
                                     n_layers=1, n_heads=4)).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def test_classifier_trains_and_predicts_on_the_gpu(cuda, tmp_path):
    """The reference classifier's fine-tuning and inference (bf16 autocast) on the GPU learn a
    task one word decides: every text is predicted right, by a model that stays on the GPU."""
    backbone = save_backbone(tmp_path / "backbone")
    spec = ClassifierSpec(backbone=EncoderSpec(source="local", name=str(backbone)), epochs=1,
                          learning_rate=3e-3, batch_size=8, max_length=16, min_steps=40,
                          seeds=[0])
    texts = [f"a {w} film" if i % 2 else f"truly {w} plot" for i in range(16)
             for w in ("awful", "lovely")]
    labels = [0, 1] * 16
    model, tok = classifier.train_classifier(spec, texts, labels, 2, 0, device=cuda)
    assert {p.device.type for p in model.parameters()} == {"cuda"}
    assert list(classifier.predict(model, tok, texts, 16)) == labels
