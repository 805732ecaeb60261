"""Command line: one subcommand per pipeline stage (dvc.yaml calls these)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from .config import ConfigError, load_params
from .hub import MissingResource

STAGES = {
    "validate": (),
    "plan": (),
    "download": (),
    "prepare": ("domain",),
    "train-generator": ("domain",),
    "convert-generator": ("model",),
    "describe-generator": ("model",),
    "generate": ("model", "domain", "decoding"),
    "featurize": ("domain",),
    "train-reference": ("domain",),
    "evaluate": ("model", "domain", "decoding"),
    "evaluate-reference": ("domain",),
    "report": (),
    "verify": (),
    "compare": (),
}


def _quiet_libraries(stage: str) -> None:
    # per-model "Loading weights 0/105" bars drown the pipeline log; our own bars (generation,
    # fine-tuning) use tqdm directly and stay. Downloads keep theirs: they can take minutes.
    if stage != "download":
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _dispatch(params, args) -> None:
    stage = args.stage
    if stage == "validate":
        g = params.grid
        print(f"params OK: profile {params.profile}, {len(g.models)} models x "
              f"{len(g.domains)} domains x {len(g.decodings)} decodings = "
              f"{len(g.models) * len(g.domains) * len(g.decodings)} cells")
    elif stage == "plan":
        from . import plan
        plan.run(params)
    elif stage == "download":
        from . import download
        download.run(params, list_only=args.list)
    elif stage == "prepare":
        from . import prepare
        prepare.run(params, args.domain)
    elif stage == "train-generator":
        from . import train_generator
        train_generator.run(params, args.domain)
    elif stage == "convert-generator":
        from . import convert_generator
        convert_generator.run(params, args.model)
    elif stage == "describe-generator":
        from . import backends
        backends.describe(params, args.model)
    elif stage == "generate":
        from . import generate
        generate.run(params, args.model, args.domain, args.decoding)
    elif stage == "featurize":
        from . import featurize
        featurize.run(params, args.domain)
    elif stage == "train-reference":
        from . import train_reference
        train_reference.run(params, args.domain)
    elif stage == "evaluate":
        from . import evaluate
        evaluate.run_cell(params, args.model, args.domain, args.decoding)
    elif stage == "evaluate-reference":
        from . import evaluate
        evaluate.run_reference(params, args.domain)
    elif stage == "report":
        from . import report
        report.run(params, args.out)
    elif stage == "verify":
        from . import verify
        from .layout import DATA
        return verify.main(params, DATA / "metrics", args.out)
    elif stage == "compare":
        from . import compare
        return compare.run(params, args.rev)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synthlens", description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (default params.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="stage", required=True)
    for name, needs in STAGES.items():
        p = sub.add_parser(name)
        for arg in needs:
            p.add_argument(f"--{arg}", required=True)
        if name in ("report", "verify"):
            p.add_argument("--out", default="paper_figures")
        if name == "compare":
            p.add_argument("--rev", default="HEAD",
                           help="git revision holding the results to compare with (default HEAD)")
        if name == "download":
            p.add_argument("--list", action="store_true", help="print what would be fetched")
    args = parser.parse_args(argv)
    _quiet_libraries(args.stage)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    for noisy in ("httpx", "urllib3", "filelock", "fsspec", "datasets", "huggingface_hub",
                  "faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    start = time.time()
    try:
        params = load_params(args.params)
        for arg in STAGES[args.stage]:  # names must exist before any model is loaded
            getattr(params, arg)(getattr(args, arg))
        rc = _dispatch(params, args)
    except (ConfigError, MissingResource, FileNotFoundError, ValueError) as e:
        print(f"synthlens {args.stage}: error: {e}", file=sys.stderr)
        return 2
    logging.getLogger("synthlens").info("%s done in %.1fs", args.stage, time.time() - start)
    return rc


if __name__ == "__main__":
    sys.exit(main())
