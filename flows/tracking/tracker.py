"""The MLflow adapter: where runs are recorded, and every call the flows make to MLflow's tracking API.

One `Tracker` per process talks to one store through `MlflowClient` alone: no fluent
`mlflow.start_run`, no active-run state, no global tracking URI. Run ids are passed explicitly,
so a task in a worker thread logs to the run it was handed.

Run layout in the experiment (params.yaml's `tracking.experiment`, `nir-colorization`):

    <variant>                       parent run, tags {variant}
    ├── <variant>-phase1            nested (tag mlflow.parentRunId), tags {variant, phase}
    ├── <variant>-phase2              params: the recipe flattened to dotted keys (loss.lambda_pair)
    └── <variant>-phase3              metrics: train/<name> at step = epoch; val/psnr, val/ssim, val/ae

Importing this module does not import mlflow (it costs ~1.5 s and reconfigures logging);
`import_mlflow()` imports it on first use and puts the logging configuration back.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.common import tracking_config
from flows.tracking.connection import (
    TrackingUnavailable,
    artifact_root_for,
    check_reachable,
    fail_fast,
    import_mlflow,
    preserved_logging,
    tracking_uri,
)
from flows.tracking.values import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAMS_PER_BATCH,
    MAX_TAGS_PER_BATCH,
    as_number,
    as_text,
    chunks,
    flatten_params,
    search_literal,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd
    from mlflow.entities import Run
    from mlflow.tracking import MlflowClient

__all__ = ["RUN_STATUSES", "Tracker", "TrackingUnavailable", "artifact_root_for", "as_number", "as_text",
           "check_reachable", "fail_fast", "flatten_params", "import_mlflow", "preserved_logging", "tracking_uri"]

RUN_STATUSES = ("FINISHED", "FAILED", "KILLED")

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# The tracker


class Tracker:
    """Runs, params, metrics, tags and artifacts of one experiment, through one MlflowClient.

    The experiment defaults to params.yaml's `tracking.experiment`."""

    def __init__(
        self,
        experiment: str | None = None,
        uri: str | None = None,
        *,
        timeout_s: float = 10.0,
        registry_uri: str | None = None,
        connect: bool = True,
    ) -> None:
        """`connect=False` touches no server here (no reachability check, the experiment looked up
        on first use): for code that only logs to run ids it was handed and must not fail while
        the server is down."""
        self.uri = uri or tracking_uri()
        if connect and self.uri.startswith(("http://", "https://")):
            check_reachable(self.uri, timeout_s)
        self._mlflow = import_mlflow()
        from mlflow.tracking import MlflowClient

        self.registry_uri = registry_uri or self.uri
        self.client: MlflowClient = MlflowClient(tracking_uri=self.uri, registry_uri=self.registry_uri)
        self.experiment_name = experiment or tracking_config().experiment
        self._experiment_id: str | None = self._experiment(self.experiment_name) if connect else None

    @property
    def experiment_id(self) -> str:
        if self._experiment_id is None:
            self._experiment_id = self._experiment(self.experiment_name)
        return self._experiment_id

    fail_fast = staticmethod(fail_fast)

    def __repr__(self) -> str:
        return f"Tracker(experiment={self.experiment_name!r}, uri={self.uri!r})"

    def _experiment(self, name: str) -> str:
        """Get or create the experiment (a deleted one is restored: its name cannot be reused)."""
        from mlflow.exceptions import MlflowException

        exp = self.client.get_experiment_by_name(name)
        if exp is None:
            try:
                return self.client.create_experiment(name, artifact_location=artifact_root_for(self.uri))
            except MlflowException as err:  # another process created it first
                if err.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
                exp = self.client.get_experiment_by_name(name)
                if exp is None:
                    raise
        if exp.lifecycle_stage == "deleted":
            log.warning("experiment %r was deleted in %s; restoring it", name, self.uri)
            self.client.restore_experiment(exp.experiment_id)
        return exp.experiment_id

    # -- runs ----------------------------------------------------------------------------------

    def variant_run(self, variant: str, *, parent_id: str | None = None, tags: Mapping[str, Any] | None = None) -> str:
        """The parent run of one variant: `parent_id` if it names a live run here, else a new one."""
        all_tags = {"variant": variant, **(tags or {})}
        if parent_id:
            run = self._existing_run(parent_id)
            if run is not None:
                have = run.data.tags.get("variant")
                if have is not None and have != variant:
                    raise ValueError(f"run {parent_id} is the parent of variant {have!r}, not {variant!r}")
                self.set_tags(parent_id, all_tags)
                return parent_id
            log.warning("run %s is not a live run of experiment %r; starting a new parent run", parent_id, self.experiment_name)
        run = self.client.create_run(self.experiment_id, run_name=variant, tags=_tag_texts(all_tags))
        return run.info.run_id

    def _existing_run(self, run_id: str) -> Run | None:
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException:
            return None
        if run.info.experiment_id != self.experiment_id or run.info.lifecycle_stage != "active":
            return None
        return run

    def start_phase(
        self,
        parent_id: str,
        variant: str,
        phase: str,
        params: Mapping[str, Any],
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        """A nested run `<variant>-<phase>` under `parent_id`, with the recipe logged as dotted params."""
        all_tags = {"mlflow.parentRunId": parent_id, "variant": variant, "phase": phase, **(tags or {})}
        run = self.client.create_run(self.experiment_id, run_name=f"{variant}-{phase}", tags=_tag_texts(all_tags))
        run_id = run.info.run_id
        try:
            self.log_params(run_id, params)
        except BaseException:
            self.finish(run_id, "FAILED")
            raise
        return run_id

    def finish(self, run_id: str, status: str = "FINISHED") -> None:
        """End a run as FINISHED, FAILED or KILLED."""
        if status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {RUN_STATUSES}, got {status!r}")
        self.client.set_terminated(run_id, status=status)

    def reopen(self, run_id: str) -> None:
        """Mark a run RUNNING again (a resumed phase continues its FAILED/KILLED run)."""
        self.client.update_run(run_id, status="RUNNING")

    @contextlib.contextmanager
    def closing(self, run_id: str) -> Iterator[str]:
        """End `run_id` when the block ends: FINISHED, FAILED on an error, KILLED on Ctrl-C."""
        try:
            yield run_id
        except KeyboardInterrupt:
            self.finish(run_id, "KILLED")
            raise
        except BaseException:
            self.finish(run_id, "FAILED")
            raise
        self.finish(run_id, "FINISHED")

    def runs(self, **tag_filters: Any) -> list[Run]:
        """Live runs of this experiment whose tags equal the given values, oldest first.

        Tag names with dots go through a dict: `tracker.runs(**{"mlflow.parentRunId": pid})`.
        """
        clauses = [f"tags.`{key}` = {search_literal(as_text(value))}" for key, value in tag_filters.items()]
        found: list[Run] = []
        token = None
        while True:
            page = self.client.search_runs(
                [self.experiment_id],
                filter_string=" and ".join(clauses),
                order_by=["attributes.start_time ASC"],
                page_token=token,
            )
            found.extend(page)
            token = page.token
            if not token:
                return found

    # -- values --------------------------------------------------------------------------------

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        """Nested params flattened to dotted keys, in batches of MLflow's 100."""
        from mlflow.entities import Param

        flat = [Param(k, v) for k, v in flatten_params(params).items()]
        for batch in chunks(flat, MAX_PARAMS_PER_BATCH):
            self.client.log_batch(run_id, params=list(batch))

    def set_tags(self, run_id: str, tags: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        items = [RunTag(k, v) for k, v in _tag_texts(tags).items()]
        for batch in chunks(items, MAX_TAGS_PER_BATCH):
            self.client.log_batch(run_id, tags=list(batch))

    @staticmethod
    def metric_rows(metrics: Mapping[str, Any], step: int | None = None) -> list[list[Any]]:
        """[key, value, timestamp ms, step] for each numeric value (others skipped), stamped now.

        The timestamp is fixed here so a row sent twice (a spool replayed after a crash) is the
        same metric to MLflow's store, which keeps one copy.
        """
        now = int(time.time() * 1000)
        rows = []
        for key, value in metrics.items():
            number = as_number(value)
            if number is None:
                log.debug("metric %s=%r is not a number; skipped", key, value)
                continue
            rows.append([key, number, now, int(step or 0)])
        return rows

    @classmethod
    def epoch_rows(cls, epoch: int, record: Mapping[str, Any]) -> list[list[Any]]:
        """One epoch record → `train/<name>` rows at step = epoch (text fields like mode skipped);
        the validation curve's `val_psnr`, `val_ssim`, `val_ae` → `val/psnr`, `val/ssim`, `val/ae`."""
        named = {}
        for k, v in record.items():
            if k != "epoch":
                named[f"val/{k[4:]}" if k.startswith("val_") else f"train/{k}"] = v
        return cls.metric_rows(named, step=int(epoch))

    def log_metric_rows(self, run_id: str, rows: Sequence[Sequence[Any]]) -> None:
        """Rows from `metric_rows`, in batches of MLflow's 1000."""
        from mlflow.entities import Metric

        items = [Metric(str(key), float(value), int(ts), int(step)) for key, value, ts, step in rows]
        for batch in chunks(items, MAX_METRICS_PER_BATCH):
            self.client.log_batch(run_id, metrics=list(batch))

    def log_metrics(self, run_id: str, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Numeric values under their own keys (`val/psnr`); non-numeric values are skipped."""
        self.log_metric_rows(run_id, self.metric_rows(metrics, step))

    def log_epoch(self, run_id: str, epoch: int, record: Mapping[str, Any]) -> None:
        """One epoch record → `train/<name>` metrics at step = epoch (text fields like mode skipped)."""
        self.log_metric_rows(run_id, self.epoch_rows(epoch, record))

    # -- artifacts -----------------------------------------------------------------------------

    def log_artifact(self, run_id: str, path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """A file or a directory (its contents) under `artifact_path` of the run."""
        path = Path(path)
        if path.is_dir():
            self.client.log_artifacts(run_id, str(path), artifact_path)
        else:
            self.client.log_artifact(run_id, str(path), artifact_path)

    def log_table(self, run_id: str, df: pd.DataFrame | Mapping[str, Any], artifact_file: str) -> None:
        """A table as MLflow's JSON table artifact (shown in the UI's evaluation view)."""
        if hasattr(df, "columns"):  # numpy scalars in object columns → plain Python values
            df = df.copy()
            for col in df.columns:
                if df[col].dtype == object:
                    df[col] = df[col].map(lambda v: v.item() if getattr(v, "ndim", None) == 0 else v)
        with warnings.catch_warnings():  # MLflow's dtype probe trips a pandas 3 deprecation
            warnings.filterwarnings("ignore", message="For backward compatibility, 'str' dtypes")
            self.client.log_table(run_id, data=df, artifact_file=artifact_file)

    def log_image(self, run_id: str, png_path: str | os.PathLike[str], artifact_file: str) -> None:
        """An image file stored at `artifact_file` (e.g. `eval/fig3.png`) in the run's artifacts."""
        png_path = Path(png_path)
        directory, _, name = artifact_file.rpartition("/")
        if name == png_path.name:
            self.client.log_artifact(run_id, str(png_path), directory or None)
            return
        with tempfile.TemporaryDirectory() as tmp:
            renamed = Path(tmp) / name
            shutil.copyfile(png_path, renamed)
            self.client.log_artifact(run_id, str(renamed), directory or None)


def _tag_texts(tags: Mapping[str, Any]) -> dict[str, str]:
    return {key: as_text(value) for key, value in tags.items()}
