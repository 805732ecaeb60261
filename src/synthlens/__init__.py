"""synthlens: LLM-generated datasets scored on five characteristics against real data."""
import os

# PyTorch's OpenMP threads spin while they wait for work. When another busy process shares
# the cores they spin against it: on 2 cores, SmolLM2 generation beside one busy process took
# 2.95x its idle time with spinning threads and 1.49x with sleeping ones (the idle time did
# not change; `make bench` measures both). Set here, before anything imports torch, since
# OpenMP reads it once when torch loads it; a value the user exported wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
