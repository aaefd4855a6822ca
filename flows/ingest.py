"""Ingest flow: validate the raw dataset, pack it into memory-mappable arrays, report every file."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from nircolor.data.layout import DatasetError, DatasetIndex
from nircolor.data.packed import pack_dataset
from nircolor.data.validate import validate_dataset

from nircolor.fsutil import atomic_write_text as write_text_atomic


_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs")


class _NoTracebackFor(logging.Filter):
    """Keep the message of a run-failure record but drop its traceback when the error is one a person
    fixes in the data (DatasetError names every file and reason; Prefect's engine frames add nothing)."""

    def __init__(self, *errors: type[BaseException]) -> None:
        super().__init__()
        self.errors = errors

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, self.errors):
            record.exc_info = None
            record.exc_text = None
        return True


@contextmanager
def dataset_errors_without_traceback() -> Iterator[None]:
    """While a stage runs the flow: a DatasetError is logged as its message (the stage prints it once
    more, last, as the error to act on); any other error keeps its full traceback."""
    quiet = _NoTracebackFor(DatasetError)
    loggers = [logging.getLogger(name) for name in _RUN_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


@task(cache_policy=NO_CACHE)
def validate(data_dir: str) -> DatasetIndex:
    """Check every file before any work; a DatasetError lists every problem at once."""
    index = validate_dataset(Path(data_dir))
    print(index.summary())
    return index


@task(cache_policy=NO_CACHE)
def pack(index: DatasetIndex, packed_dir: str, limit_pairs: int | None,
         limit_online: int | None, seed: int, holdout_pairs: int = 0) -> dict:  # fmt: skip
    manifest = pack_dataset(index, packed_dir, limit_pairs=limit_pairs, limit_online=limit_online,
                            holdout_pairs=holdout_pairs, seed=seed)  # fmt: skip
    print(f"packed {manifest['counts']} at {manifest['image_size'][0]} px into {packed_dir}")
    return manifest


@task(cache_policy=NO_CACHE)
def write_report(manifest: dict, report_csv: str) -> str:
    return str(write_text_atomic(report_csv, pd.DataFrame(manifest["files"]).to_csv(index=False)))


@flow(name="ingest", log_prints=True)
def ingest_flow(data_dir: str, packed_dir: str, report_csv: str,
                limit_pairs: int | None = None, limit_online: int | None = None,
                seed: int = 0, holdout_pairs: int = 0) -> dict:  # fmt: skip
    """Steps:
    1. validate the dataset in the challenge layout (all named errors, nothing dropped silently)
    2. decode and pack into .npy arrays at the data's native size (the trainer resizes to the
       model's scale; validation stays native) with a manifest and the lookup reference; the
       `holdout_pairs` training pairs kept out of training packed apart (evaluate's scale fit)
    3. write the ingest report: every file and what happened to it
    """
    t0 = time.perf_counter()
    index = validate(data_dir)
    manifest = pack(index, packed_dir, limit_pairs, limit_online, seed, holdout_pairs)
    write_report(manifest, report_csv)
    return {**manifest["counts"], "compute_seconds": time.perf_counter() - t0, "synthetic": manifest["synthetic"],
            "unpaired_source": manifest["unpaired_source"], "sha256": manifest["sha256"]}  # fmt: skip
