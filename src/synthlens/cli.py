"""Command line: one subcommand per pipeline stage (dvc.yaml calls these)."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time

from .config import ConfigError, load_params
from .device import DeviceError
from .hub import MissingResource
from .layout import DATA

# Every subcommand: the module under synthlens that runs it (its run() function) and the names
# it needs. dvc.yaml runs the stages.* ones: stage <name> lives in src/synthlens/stages/<name>.py,
# the first of the stage's deps. validate is answered here.
COMMANDS = {
    "validate": (None, ()),
    "plan": ("tools.plan", ()),
    "download": ("tools.download", ()),
    "label-export": ("tools.labels", ()),
    "label-import": ("tools.labels", ()),
    "prepare": ("stages.prepare", ("domain",)),
    "train-generator": ("stages.train_generator", ("domain",)),
    "convert-generator": ("stages.convert_generator", ("model",)),
    "describe-generator": ("stages.describe_generator", ("model",)),
    "generate": ("stages.generate", ("model",)),
    "mix": ("stages.mix", ()),
    "featurize": ("stages.featurize", ("domain",)),
    "train-reference": ("stages.train_reference", ("domain",)),
    "second-opinion": ("stages.second_opinion", ("domain",)),
    "evaluate-reference": ("stages.evaluate_reference", ("domain",)),
    "evaluate": ("stages.evaluate", ("model",)),
    "evaluate-mixtures": ("stages.evaluate_mixtures", ()),
    "report": ("stages.report", ()),
    "verify": ("stages.verify", ()),
    "cards": ("stages.cards", ()),
    "compare": ("report.compare", ()),
    "rescore": ("tools.rescore", ()),
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


def _dispatch(params, args) -> int:
    stage = args.stage
    if stage == "validate":
        g = params.grid
        print(f"params OK: profile {params.profile}, {len(g.models)} models x "
              f"{len(g.domains)} domains x {len(g.decodings)} decodings = "
              f"{len(g.models) * len(g.domains) * len(g.decodings)} cells")
        if not args.params_only:  # API models and hub repos, before the first stage
            from .tools import preflight

            print("preflight (what the run needs from outside):")
            preflight.run(params, skip_api=args.skip_api)
            print("preflight OK")
        return 0
    module_name, needs = COMMANDS[stage]
    module = importlib.import_module(f"{__package__}.{module_name}")
    if stage == "download":
        module.run(params, list_only=args.list)
    elif stage == "report":
        module.run(params, args.out)
    elif stage == "verify":
        return module.run(params, DATA / "metrics", args.out)
    elif stage == "compare":
        return module.run(params, args.rev)
    elif stage == "rescore":
        module.run(params, args.remote)
    elif stage == "label-export":
        module.export(params, args.model, args.domain, args.decoding, args.n, args.force)
    elif stage == "label-import":
        return module.import_files(params, args.file)
    else:
        module.run(params, *(getattr(args, name) for name in needs))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synthlens", description=__doc__)
    parser.add_argument("--params", default="params.yaml", help="params file (default params.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="stage", required=True)
    for name, (_, needs) in COMMANDS.items():
        p = sub.add_parser(name)
        for arg in needs:
            p.add_argument(f"--{arg}", required=True)
        if name in ("report", "verify"):
            p.add_argument("--out", default="paper_figures")
        if name == "compare":
            p.add_argument("--rev", default="HEAD",
                           help="git revision holding the results to compare with (default HEAD)")
        if name == "rescore":
            p.add_argument("--remote", help="DVC remote to pull from (default: the default "
                           "remote of .dvc/config, `shared`)")
        if name == "download":
            p.add_argument("--list", action="store_true", help="print what would be fetched")
        if name == "validate":
            p.add_argument("--params-only", action="store_true",
                           help="check params.yaml only: no preflight of API models and hub repos")
            p.add_argument("--skip-api", action="store_true",
                           help="no request to the API models (no key needed, nothing paid)")
        if name == "label-export":
            for arg in ("model", "domain", "decoding"):
                p.add_argument(f"--{arg}", help=f"only this {arg} (default: labels.{arg}s, "
                               f"else grid.{arg}s)")
            p.add_argument("--n", type=int, help="rows per dataset (default: labels.samples)")
            p.add_argument("--force", action="store_true",
                           help="overwrite a .todo.csv that already has labels in it")
        if name == "label-import":
            p.add_argument("--file", action="append", required=True,
                           help="a filled-in CSV (repeat for several)")
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
        for arg in COMMANDS[args.stage][1]:  # names must exist before any model is loaded
            getattr(params, arg)(getattr(args, arg))
        rc = _dispatch(params, args)
    except (ConfigError, MissingResource, DeviceError, FileNotFoundError, ValueError) as e:
        print(f"synthlens {args.stage}: error: {e}", file=sys.stderr)
        return 2
    logging.getLogger("synthlens").info("%s done in %.1fs", args.stage, time.time() - start)
    return rc


if __name__ == "__main__":
    sys.exit(main())
