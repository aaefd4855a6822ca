"""Ingest flow: validate the raw dataset, pack it into memory-mappable arrays, report every file."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.data.layout import DatasetIndex, validate_dataset
from nircolor.data.packed import pack_dataset


@task(cache_policy=NO_CACHE)
def validate(data_dir: str) -> DatasetIndex:
    """Check every file before any work; a DatasetError lists every problem at once."""
    index = validate_dataset(Path(data_dir))
    print(index.summary())
    return index


@task(cache_policy=NO_CACHE)
def pack(index: DatasetIndex, packed_dir: str, image_size: int, limit_pairs: int | None,
         limit_online: int | None, seed: int) -> dict:  # fmt: skip
    manifest = pack_dataset(index, packed_dir, image_size=image_size, limit_pairs=limit_pairs,
                            limit_online=limit_online, seed=seed)  # fmt: skip
    print(f"packed {manifest['counts']} at {manifest['image_size'][0]} px into {packed_dir}")
    return manifest


@task(cache_policy=NO_CACHE)
def write_report(manifest: dict, report_csv: str) -> str:
    path = Path(report_csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(manifest["files"]).to_csv(path, index=False)
    return str(path)


@flow(name="ingest", log_prints=True)
def ingest_flow(data_dir: str, packed_dir: str, report_csv: str, image_size: int,
                limit_pairs: int | None = None, limit_online: int | None = None,
                seed: int = 0) -> dict:  # fmt: skip
    """Steps:
    1. validate the dataset in the challenge layout (all named errors, nothing dropped silently)
    2. decode, resize to the model's size and pack into .npy arrays with a manifest
    3. write the ingest report: every file and what happened to it
    """
    t0 = time.perf_counter()
    index = validate(data_dir)
    manifest = pack(index, packed_dir, image_size, limit_pairs, limit_online, seed)
    write_report(manifest, report_csv)
    return {**manifest["counts"], "compute_seconds": time.perf_counter() - t0, "synthetic": manifest["synthetic"],
            "unpaired_source": manifest["unpaired_source"], "sha256": manifest["sha256"]}  # fmt: skip
