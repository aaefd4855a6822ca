"""Data-parallel training phases: the torchrun entry point and the launcher the pipeline calls.

One process per device (gloo on CPU, NCCL on GPU). Every rank builds the same networks from the
same seed and walks the same epoch order; each takes its slice of every global batch
(`train.batch_size` is the global batch) and the gradients are averaged before each optimizer
step (`parallel.DataParallel`). Rank 0 alone writes the resume file, checkpoints and the epoch
log; a rerun resumes exactly as a single-process run does.

Single machine (what the pipeline does when `train.nproc` > 1):

    torchrun --standalone --nproc_per_node=2 -m nircolor.training.distributed \\
        --params params.yaml --variant dense --phase phase1 \\
        --packed artifacts/packed --out artifacts/checkpoints/dense/phase1.pt

Several machines: the same command on each, with `--nnodes=N --node_rank=R
--rdzv_backend=c10d --rdzv_endpoint=HOST:PORT` in place of `--standalone`, and the packed data
and the output folder on storage every node can read (rank 0 writes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from nircolor.config import PHASES, Config, load_config, parse_config, parse_overrides
from nircolor.device import configure_runtime, resolve_device
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import PhaseResult, run_phase


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m nircolor.training.distributed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--params", default="params.yaml", help="params YAML (the full recipe)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="dotted override (YAML value)")
    p.add_argument("--variant", required=True, help="a variant of the params' `variants`")
    p.add_argument("--phase", required=True, choices=list(PHASES))
    p.add_argument("--packed", required=True, help="folder written by the ingest stage (pack_dataset)")
    p.add_argument("--out", required=True, help="the phase checkpoint to write")
    p.add_argument("--init", default=None, help="the previous phase's checkpoint (phase2/phase3)")
    p.add_argument("--epochs-log", default=None, help="rank 0 appends one JSON line per finished epoch")
    p.add_argument("--provenance", default="{}", help="JSON object stored in the checkpoint")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """torchrun entry: join the process group, train the phase, leave."""
    import torch.distributed as dist

    from nircolor.data.packed import load_packed

    args = _parse(argv)
    cfg = load_config(args.params, parse_overrides(args.set)).for_variant(args.variant)
    backend = "nccl" if torch.cuda.is_available() and cfg.train.device != "cpu" else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend)
    try:
        configure_runtime(cfg.train, resolve_device(cfg.train.device))  # threads, cudnn, dynamo
        log = Path(args.epochs_log) if args.epochs_log else None

        def on_epoch_end(epoch: int, record: dict[str, Any]) -> None:  # rank 0 only
            if log is not None:
                with log.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                    f.flush()
                    os.fsync(f.fileno())

        train, val, _ = load_packed(args.packed)
        run_phase(
            args.phase, variant=args.variant, cfg=cfg, data=train, out=args.out, init=args.init,
            on_epoch_end=on_epoch_end, progress=not args.quiet,
            provenance=json.loads(args.provenance), val=val,
        )  # fmt: skip
    finally:
        dist.destroy_process_group()
    return 0


def torchrun_command(nproc: int, entry_args: list[str]) -> list[str]:
    """`torchrun --standalone --nproc_per_node=N -m nircolor.training.distributed ...` via this Python."""
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
        "-m", "nircolor.training.distributed", *entry_args,
    ]  # fmt: skip


def run_phase_parallel(
    phase: str,
    *,
    variant: str,
    cfg: Config,
    packed_dir: str | Path,
    out: str | Path,
    init: str | Path | None = None,
    on_epoch_end: Callable[[int, dict[str, Any]], None] | None = None,
    progress: bool = True,
    provenance: dict[str, str] | None = None,
    nproc: int | None = None,
    poll_s: float = 0.5,
) -> PhaseResult:
    """`run_phase` across `nproc` processes (default `cfg.train.nproc`) started by torchrun.

    `cfg` is handed over exactly (written to a temporary params file); epoch records come back
    through rank 0's epoch log and reach `on_epoch_end` here, in this process, as they arrive.
    """
    nproc = nproc or cfg.train.nproc
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".ddp-", dir=out.parent) as tmp:
        params = Path(tmp) / "params.json"  # JSON is YAML: the entry point reads it as params
        params.write_text(json.dumps(cfg.model_dump(mode="json")))
        parse_config(json.loads(params.read_text()))  # what the ranks will load is valid
        log = Path(tmp) / "epochs.jsonl"
        log.touch()
        entry = [
            "--params", str(params), "--variant", variant, "--phase", phase,
            "--packed", str(packed_dir), "--out", str(out), "--epochs-log", str(log),
            "--provenance", json.dumps(provenance or {}),
        ]  # fmt: skip
        if init is not None:
            entry += ["--init", str(init)]
        if not progress:
            entry.append("--quiet")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(torchrun_command(nproc, entry), env=env)
        seen = 0
        history_live: list[dict[str, Any]] = []

        def pump() -> None:
            nonlocal seen
            with log.open() as f:
                f.seek(seen)
                while line := f.readline():
                    if not line.endswith("\n"):
                        break  # half a line: read it next time
                    seen += len(line.encode())
                    record = json.loads(line)
                    history_live.append(record)
                    if on_epoch_end is not None:
                        on_epoch_end(int(record["epoch"]), record)

        try:
            while proc.poll() is None:
                pump()
                time.sleep(poll_s)
            pump()
        except BaseException:
            proc.terminate()
            proc.wait(timeout=30)
            raise
        if proc.returncode != 0:
            raise RuntimeError(
                f"data-parallel {variant} {phase} ({nproc} processes) failed with exit status "
                f"{proc.returncode}; finished epochs are in the resume file and a rerun continues"
            )
    state = load_checkpoint(out)
    resumed = None
    hist = list(state.get("history", []))
    if len(hist) > len(history_live):
        resumed = int(hist[len(hist) - len(history_live) - 1]["epoch"]) if history_live else None
    return PhaseResult(out, hist, resumed)


if __name__ == "__main__":
    sys.exit(main())
