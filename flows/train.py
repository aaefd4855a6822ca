"""Train flow: one phase of one variant, tracked in MLflow as a nested run under the variant's parent run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from nircolor.config import Config, Phase, Variant
from nircolor.data.packed import load_heldout, load_packed
from nircolor.device import resolve_device, resolve_precision
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.phase import resume_path, run_phase, snapshot_path, starts_line

from flows.tracking.spool import SpooledRun, drain, spool_path
from flows.tracking import Tracker


def _earlier_provenance(checkpoint: Path, init: Path | None) -> dict[str, str]:
    """MLflow run ids travel in checkpoints: this phase's resume file, else the previous phase's checkpoint."""
    own = resume_path(checkpoint)
    if own.exists():
        return dict(load_checkpoint(own).get("provenance", {}))
    if init is not None and init.exists():
        prov = dict(load_checkpoint(init).get("provenance", {}))
        prov.pop("mlflow_run_id", None)  # the previous phase's own run is not ours
        return prov
    return {}


@task(cache_policy=NO_CACHE)
def open_runs(cfg: Config, variant: Variant, phase: Phase, checkpoint: str, init: str | None,
              tags: dict[str, str], unpaired_source: str) -> dict[str, str]:  # fmt: skip
    """Find or create the variant's parent run and this phase's nested run (reused on resume)."""
    tracker = Tracker(cfg.tracking.experiment)
    # calls an earlier outage left spooled beside the variant's checkpoints: the server answers now
    drain(str(Path(checkpoint).parent), tracker)
    earlier = _earlier_provenance(Path(checkpoint), Path(init) if init else None)
    run_tags = {**tags, "unpaired_source": unpaired_source}
    parent = tracker.variant_run(variant, parent_id=earlier.get("mlflow_parent_run_id"), tags=run_tags)
    run_id = earlier.get("mlflow_run_id")
    if run_id is not None:
        tracker.reopen(run_id)  # resumed after a kill: the same run goes on
    else:
        params = {**cfg.model_dump(mode="json"), "variant": variant, "phase": phase}
        # what `train.precision` (auto among its values) resolves to on this machine's device
        used = resolve_precision(cfg.train.precision, resolve_device(cfg.train.device))
        params["train"] = {**params["train"], "precision_used": used}
        run_id = tracker.start_phase(parent, variant, phase, params, tags=run_tags)
    return {"mlflow_parent_run_id": parent, "mlflow_run_id": run_id}


@task(cache_policy=NO_CACHE)
def train(cfg: Config, variant: Variant, phase: Phase, packed_dir: str, checkpoint: str, init: str | None,
          runs: dict[str, str], provenance: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Run the phase (resuming if a resume file exists), logging every epoch to the phase run.

    MLflow may go away mid-phase: every call goes through a SpooledRun (flows/tracking/spool.py), so a dead
    server costs no more than a refused connection per retry interval, and what it missed is
    delivered when it answers again or listed in `<phase>.mlflow-undelivered.json`.
    """
    logger = get_run_logger()
    # connect=False: this task only logs to run ids it was handed, so it starts even when the
    # server went down after open_runs
    tracker = Tracker(cfg.tracking.experiment, connect=False)
    train_arrays, val, _ = load_packed(packed_dir)
    heldout = load_heldout(packed_dir)  # empty unless ingest.holdout_pairs; chooses among train.starts
    out = Path(checkpoint)
    init_path = Path(init) if init else None
    mlflow_run = SpooledRun(tracker, runs["mlflow_run_id"], spool_path(out), warn=logger.warning)

    def on_epoch_end(epoch: int, record: dict[str, Any]) -> None:
        mlflow_run.log_epoch(epoch, record)  # never raises: spooled while the server is down
        logger.info(
            f"{variant} {phase} epoch {epoch} ({record['mode']}): G {record['loss_g']:.3f} "
            f"pair_rgb {record['loss_pair_rgb']:.4f} lr {record['lr']:.2e} "
            f"{record['images_per_s']:.1f} img/s"
            + (f"; validation {record['val_psnr']:.2f} dB / {record['val_ssim']:.3f} / {record['val_ae']:.2f}°"
               if "val_psnr" in record else "")
        )
        snapshot = snapshot_path(out, epoch)
        if snapshot.exists() and cfg.tracking.log_checkpoints:
            mlflow_run.log_artifact(snapshot, "checkpoints")

    t0 = time.perf_counter()
    try:
        if cfg.train.nproc > 1:  # data-parallel: torchrun processes; epochs come back as they finish
            from nircolor.training.distributed import run_phase_parallel

            result = run_phase_parallel(phase, variant=variant, cfg=cfg, packed_dir=packed_dir, out=out,
                                        init=init_path, on_epoch_end=on_epoch_end, progress=True,
                                        provenance={**provenance, **runs})  # fmt: skip
        else:
            result = run_phase(phase, variant=variant, cfg=cfg, data=train_arrays, out=out, init=init_path,
                               on_epoch_end=on_epoch_end, progress=True,
                               provenance={**provenance, **runs}, val=val, heldout=heldout)  # fmt: skip
    except BaseException:
        mlflow_run.finish("FAILED")  # a rerun resumes it and reopens the run
        mlflow_run.close()
        raise
    compute = time.perf_counter() - t0
    if result.start is not None:  # train.starts > 1: which seed phase 1 kept, and why
        logger.info(f"{variant} {phase}: {starts_line(result.start)}")
        mlflow_run.set_tags({"start_seed": result.start["seed"], "start_seeds": result.start["seeds"],
                             f"start_heldout_{result.start['metric']}": result.start["scores"]})  # fmt: skip
    if cfg.tracking.log_checkpoints:
        mlflow_run.log_artifact(result.checkpoint, "checkpoints")
    mlflow_run.finish()
    undelivered = mlflow_run.close()
    return {"history": result.history, "resumed_from_epoch": result.resumed_from_epoch,
            "lost_epochs": undelivered["lost_steps"], "mlflow_undelivered": undelivered["record"],
            "compute_seconds": compute}  # fmt: skip


@flow(name="train-phase", flow_run_name="{variant}-{phase}", log_prints=True)
def train_phase_flow(cfg: Config, variant: Variant, phase: Phase, packed_dir: str, checkpoint: str,
                     init: str | None, tags: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """`checkpoint`: this phase's output; `init`: the previous phase's checkpoint (None for phase1).

    Steps:
    1. read the pack's manifest (data digest, unpaired substitute)
    2. find or create the MLflow runs: the variant's parent, this phase's nested run
    3. train the phase from the previous phase's checkpoint, resuming after a kill
    4. log the checkpoint and close the phase run
    """
    _, _, manifest = load_packed(packed_dir)
    if not manifest["unpaired_source"].startswith("RGB-Online"):
        print(f"unpaired RGB pool: {manifest['unpaired_source']}")
    runs = open_runs(cfg, variant, phase, checkpoint, init, tags, manifest["unpaired_source"])
    provenance = {"data_sha256": manifest["sha256"], "unpaired_source": manifest["unpaired_source"]}
    out = train(cfg, variant, phase, packed_dir, checkpoint, init, runs, provenance)
    return {**out, **runs, "prefect_flow_run_id": str(flow_run.id)}
