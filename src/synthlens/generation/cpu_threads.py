"""Threads for a CPU decoding step: matrix products and attention on every thread torch has,
every other op of the model's forward on one thread (inline, no parallel region).

Why: the stages run OpenMP with OMP_WAIT_POLICY=PASSIVE (synthlens/__init__.py) so that two
stages sharing the cores do not spin against each other; the price is a thread wake-up in
every parallel region. A SmolLM2 step at 256 rows runs about a thousand small elementwise ops
(norms, rotary embeddings, activations, residual adds, 256 x 576 floats each): on 2 cores one
such op took 58 us on two threads and 15-20 us on one (bench/README and docs/budgets.md have
the step figures). Matmuls and attention keep every thread: they are most of the step's work.

Numbers do not change: an elementwise op computes each element the same way on any number of
threads, and the row-wise reductions of the norms and softmaxes parallelise over rows, not
inside one; tests/test_decode_loop.py checks every token id against generate() run without
this mode, on tiny models of each architecture.
"""
from __future__ import annotations

import contextlib

import torch
from torch.overrides import TorchFunctionMode

F = torch.nn.functional
Tensor = torch.Tensor

# the ops that get every thread: matrix products (nn.Linear, GPT-2's Conv1D, the LM head,
# eager attention's products) and fused attention
PARALLEL = frozenset({
    F.linear, F.scaled_dot_product_attention, torch.matmul, torch.mm, torch.bmm,
    torch.addmm, torch.baddbmm, torch.einsum, Tensor.matmul, Tensor.__matmul__,
    Tensor.__rmatmul__, Tensor.mm, Tensor.bmm, Tensor.addmm, Tensor.baddbmm,
})


class SmallOpsInline(TorchFunctionMode):
    """While active, torch runs on one thread except inside the PARALLEL ops (all threads)."""

    def __init__(self, threads: int):
        super().__init__()
        self.threads = threads

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func not in PARALLEL:
            return func(*args, **kwargs)
        torch.set_num_threads(self.threads)
        try:
            return func(*args, **kwargs)
        finally:
            torch.set_num_threads(1)


@contextlib.contextmanager
def small_ops_inline(device):
    """SmallOpsInline over the block on the CPU with more than one thread; a no-op elsewhere
    (a GPU runs its own kernels; one thread has nothing to save). The thread count is restored
    on exit, also on an error."""
    threads = torch.get_num_threads()
    if getattr(device, "type", device) != "cpu" or threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        with SmallOpsInline(threads):
            yield
    finally:
        torch.set_num_threads(threads)
