"""One device decision: explicit devices, GPU profiles refusing a machine without a GPU."""
import pytest
import torch

from synthlens.device import DeviceError, choose, describe

needs_no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")


@pytest.fixture(autouse=True)
def fresh_choice(monkeypatch):
    monkeypatch.delenv("SYNTHLENS_DEVICE", raising=False)
    choose.cache_clear()
    yield
    choose.cache_clear()


def test_explicit_cpu_is_cpu_even_for_a_gpu_profile():
    assert choose(require_gpu=True, requested="cpu") == torch.device("cpu")
    assert describe(torch.device("cpu")).startswith("cpu:")


def test_environment_variable_picks_the_device(monkeypatch):
    monkeypatch.setenv("SYNTHLENS_DEVICE", "cpu")
    assert choose(require_gpu=True) == torch.device("cpu")


@needs_no_gpu
def test_gpu_profile_without_gpu_stops_and_says_how_to_force_cpu():
    with pytest.raises(DeviceError, match="SYNTHLENS_DEVICE=cpu"):
        choose(require_gpu=True)


@needs_no_gpu
def test_asking_for_cuda_without_one_is_an_error_not_a_fallback():
    with pytest.raises(DeviceError, match="cuda"):
        choose(requested="cuda")


@needs_no_gpu
def test_auto_without_gpu_is_cpu_for_a_cpu_profile():
    assert choose() == torch.device("cpu")


def test_nonsense_device_is_named():
    with pytest.raises(DeviceError, match="not a device|only cpu and cuda"):
        choose(requested="tpu9")
