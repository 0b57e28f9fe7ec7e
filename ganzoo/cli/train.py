"""``ganzoo train``: train an experiment file or a preset, or resume a run.

```text
ganzoo train CONFIG.toml [--run-dir DIR] [--set key=value]... [--until STEP]
ganzoo train --preset NAME [--set key=value]... [--until STEP]
ganzoo train --resume RUN_DIR [--set train.steps=N]... [--until STEP] [--allow-restart]
torchrun --nproc-per-node=N -m ganzoo train CONFIG.toml ...
```

Under torchrun every process trains (DistributedDataParallel, ``train.batch_size`` per process)
and only rank 0 writes the run directory and prints; see the scaling guide.

Exit status: 0 when training finished or reached ``--until``; 2 for bad input (also a run
directory another trainer holds); 3 when training stopped on a NaN or infinite loss or weight
(the last finite checkpoint is kept); 130/143 after Ctrl-C/SIGTERM (with a checkpoint).
"""

from __future__ import annotations

import argparse
import os


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train an experiment (file or --preset), or --resume a run",
        description="Train an experiment file or a preset into a new run directory, or continue a run.",
    )
    p.add_argument("config", nargs="?", help="experiment TOML file")
    p.add_argument("--preset", metavar="NAME", help="a registered preset instead of a file")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue this run from its newest complete checkpoint")
    p.add_argument("--run-dir", metavar="DIR", help="directory of the new run (default runs/<name>-<timestamp>)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the experiment, e.g. train.steps=100 (repeatable)")
    p.add_argument("--until", type=int, metavar="STEP", help="stop after STEP steps, with a checkpoint")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or log lines")
    p.add_argument("--allow-restart", action="store_true",
                   help="with --resume: a run without any checkpoint yet starts again from step 0 (else refused)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.engine.run import train
    from ganzoo.registry.errors import ConfigError

    if args.resume is not None and (args.config is not None or args.preset is not None):
        raise ConfigError("--resume takes the run's stored config; give no CONFIG or --preset")
    if args.resume is None and (args.config is None) == (args.preset is None):
        raise ConfigError("give an experiment file, --preset NAME or --resume RUN_DIR")
    if args.allow_restart and args.resume is None:
        raise ConfigError("--allow-restart goes with --resume RUN_DIR")
    result = train(
        args.config,
        run_dir=args.run_dir,
        overrides=args.overrides,
        preset=args.preset,
        until=args.until,
        resume=args.resume,
        progress=False if args.no_progress else None,
        allow_restart=args.allow_restart,
    )
    if os.environ.get("RANK", "0") != "0":  # torchrun: rank 0 reports for every process
        return 0
    state = "finished" if result.finished else "stopped"
    reason = f" ({result.stop_reason})" if result.stop_reason else ""
    print(f"{state} at step {result.step}/{result.total_steps}{reason}: {result.directory}")
    if result.checkpoint is not None:
        print(f"checkpoint: {result.checkpoint}")
    return 0
