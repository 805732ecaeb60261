"""`synthlens download --list` states the disk the profile's generator weights take (issue 16:
the paper profile's ~190 GB were stated nowhere), each hub repo counted once."""
from synthlens.config import load_params
from synthlens.tools import download

from conftest import ROOT


def test_paper_profile_weights_are_stated_once_per_repo(capsys):
    params = load_params(ROOT / "profiles" / "paper.yaml")
    # by hand, 2 bytes a parameter: llama 7+13, Llama-2 7+7+13+13, falcon 7+7, Qwen2.5
    # 1.5+1.5+7+7; the two few-shot models reuse Llama-2-7b(-chat): not counted again
    assert download.generator_weights_gb(params) == 2 * (7 + 13 + 7 + 7 + 13 + 13 + 7 + 7
                                                         + 1.5 + 1.5 + 7 + 7) == 182
    download.run(params, list_only=True)
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        "about 182 GB of generator weights (estimated")


def test_gpu_small_and_mini_profiles():
    assert download.generator_weights_gb(load_params(ROOT / "profiles" / "gpu-small.yaml")) == \
        2 * (0.5 + 0.5 + 1.5 + 1.5)
    assert download.generator_weights_gb(load_params(ROOT / "profiles" / "mini.yaml")) == 0
