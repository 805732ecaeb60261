"""The one device decision of a run: every model and tensor is placed through `choose()`.

`SYNTHLENS_DEVICE` (auto, cpu, cuda, cuda:N; default auto) picks the device; `auto` means the
GPU when torch can use one. A profile with `require_gpu: true` (paper, gpu-small) refuses to
start without a usable GPU instead of crawling on the CPU for days; `SYNTHLENS_DEVICE=cpu`
runs it on the CPU on purpose. Nothing falls back silently: asking for cuda without one is an
error that says what is missing.
"""
from __future__ import annotations

import functools
import os

ENV = "SYNTHLENS_DEVICE"


class DeviceError(RuntimeError):
    """The requested device is not usable; the message says what it needs."""


def _no_gpu_reason() -> str:
    import torch

    if torch.version.cuda is None:
        return (f"this torch ({torch.__version__}) is a CPU-only build; install the CUDA build "
                "(requirements.lock's torch from PyPI is one)")
    return (f"torch {torch.__version__} is built for CUDA {torch.version.cuda}, but no usable GPU "
            "was found: check `nvidia-smi`, that the NVIDIA driver is new enough for CUDA "
            f"{torch.version.cuda.split('.')[0]} (driver 580 or newer for CUDA 13), and, in "
            "Docker, `--gpus all` with the NVIDIA Container Toolkit")


@functools.lru_cache(maxsize=None)
def choose(require_gpu: bool = False, requested: str | None = None):
    """The torch.device this process uses. requested defaults to $SYNTHLENS_DEVICE or auto."""
    import torch

    requested = (requested or os.environ.get(ENV) or "auto").strip().lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if require_gpu:
            raise DeviceError(f"this profile needs a GPU: {_no_gpu_reason()}. To run it on the "
                              f"CPU on purpose (days, not hours), set {ENV}=cpu")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise DeviceError(f"{ENV}={requested!r} is not a device: use auto, cpu, cuda or "
                          "cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"{ENV}={requested} but {_no_gpu_reason()}")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"{ENV}={requested} but only {torch.cuda.device_count()} GPU(s)")
    elif device.type != "cpu":
        raise DeviceError(f"{ENV}={requested}: only cpu and cuda are supported")
    return device


def describe(device) -> str:
    """What provenance records: the device really used, e.g. 'cuda:NVIDIA H100' or 'cpu:x86_64'."""
    import platform

    import torch

    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return f"cpu:{platform.machine()}"


def autocast(device):
    """bf16 autocast on a GPU (fine-tuning and inference of the classifier and featurizer);
    a no-op context on the CPU, where fp32 stays exact and repeatable."""
    import contextlib

    import torch

    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
