"""Registering a generator checkpoint as a servable MLflow pyfunc model version, and moving aliases.

Each version is one checkpoint, logged as an MLflow 3 logged model named `model` whose source run
is the phase run that wrote it. Aliases: `<variant>` (the latest registered checkpoint of each
variant) and `champion` (set by compare). Version tags: `variant`, `checkpoint_sha256`, `phase`,
`epoch`, the validation metrics (`val/psnr`, …) and, on the champion, `champion_reason`.

The model is code, not a pickle (MLflow's models-from-code): its code is flows/registry/model.py
and a copy of the `nircolor` package, nothing from flows; its only data is the checkpoint.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flows.common import tracking_config, workspace
from flows.registry.load import CHAMPION
from flows.tracking import Tracker, as_number, as_text, import_mlflow
from nircolor.fsutil import sha256_file
from nircolor.serving import CHECKPOINT_ARTIFACT, SHA_KEY, example_request_png

MODEL_NAME = "model"  # the logged model's name (MLflow 3's successor of the run artifact path)
SHA_TAG = SHA_KEY  # the version tag holding the checkpoint's sha256
MODEL_CODE = Path(__file__).resolve().with_name("model.py")  # the served model's code file

# What the served model imports: nircolor's own needs (pyproject) at the versions running now.
_REQUIREMENTS = ("torch", "numpy", "pillow", "pandas", "pydantic", "pyyaml", "scikit-image", "albumentations", "tqdm")


def pip_requirements() -> list[str]:
    """The served model's requirements pinned to this environment (torch without its +cpu tag)."""
    reqs = []
    for dist in _REQUIREMENTS:
        version = importlib.metadata.version(dist).split("+", 1)[0]
        reqs.append(f"{dist}=={version}")
    return reqs


def _signature() -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec("string", "image")]),
        outputs=Schema([ColSpec("string", "image"), ColSpec("long", "height"), ColSpec("long", "width")]),
    )


def _input_example() -> Any:
    """A 4×4 gray PNG: saved beside the model as the request format's example (never run)."""
    import pandas as pd

    return pd.DataFrame({"image": [example_request_png()]})


def _stage_code(dest: Path) -> list[str]:
    """A copy of the one package the served model imports besides mlflow: nircolor."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(workspace() / "src" / "nircolor", dest / "nircolor", ignore=ignore)
    return [str(dest / "nircolor")]


def _ensure_registered_model(tracker: Tracker, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        tracker.client.get_registered_model(name)
    except MlflowException as err:
        if err.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        try:
            tracker.client.create_registered_model(
                name, description="NIR → RGB colorization generators (VCIP 2020 dense-UNet CycleGAN)"
            )
        except MlflowException as err2:  # created concurrently
            if err2.error_code != "RESOURCE_ALREADY_EXISTS":
                raise


def register_generator(
    tracker: Tracker,
    run_id: str,
    checkpoint: str | os.PathLike[str],
    *,
    variant: str,
    registered_model: str | None = None,
    metrics: Mapping[str, float] | None = None,
) -> str:
    """Log `checkpoint` as a pyfunc model of `run_id`, register it, point alias `<variant>` at it.

    `registered_model` defaults to params.yaml's `tracking.registered_model`. Returns the version
    number (a string). The same checkpoint bytes registered again from the same run (a retried
    task) return the existing version, with `metrics` re-tagged. No environment resolution and
    no model run: a tiny checkpoint registers in well under a second; a large one costs its
    load, hash and two copies.
    """
    from nircolor.training.checkpoint import load_checkpoint

    registered_model = registered_model or tracking_config().registered_model
    mlflow = import_mlflow()
    from mlflow.entities import LoggedModelOutput

    checkpoint = Path(checkpoint).resolve()
    sha = sha256_file(checkpoint)
    existing = _registered_already(tracker, registered_model, run_id, sha, variant)
    if existing is not None:  # a retried task: same run, same bytes → same version
        _tag_version(tracker, registered_model, existing, metrics)
        tracker.client.set_registered_model_alias(registered_model, variant, existing)
        return existing
    state = load_checkpoint(checkpoint)  # refuses what is not a (pickle-free) nircolor checkpoint
    if state["variant"] != variant:
        raise ValueError(f"{checkpoint}: checkpoint is of variant {state['variant']!r}, not {variant!r}")
    info = {"variant": variant, "phase": state["phase"], "epoch": state["epoch"], "complete": state["complete"]}
    del state
    client = tracker.client
    tags = {"variant": variant, SHA_TAG: sha, "phase": info["phase"], "epoch": info["epoch"]}

    # Through the client, not the fluent mlflow.pyfunc.log_model: that one logs to the active run
    # of the global tracking URI (and start_run(run_id) would end the phase run as FINISHED),
    # while a Tracker talks to its own store and leaves runs' statuses to their owners.
    logged = client.create_logged_model(
        tracker.experiment_id, name=MODEL_NAME, source_run_id=run_id, tags={k: as_text(v) for k, v in tags.items()}
    )
    try:
        with tempfile.TemporaryDirectory(prefix="nir-model-") as tmp:
            tmp = Path(tmp)
            mlflow_model = mlflow.models.Model(
                artifact_path=logged.artifact_location, model_uuid=logged.model_id, run_id=run_id, model_id=logged.model_id
            )
            with warnings.catch_warnings():  # MLflow's example writer trips a pandas 3 deprecation
                warnings.filterwarnings("ignore", message="Operation with range is deprecated")
                mlflow.pyfunc.save_model(
                    path=str(tmp / "model"),
                    python_model=str(MODEL_CODE),
                    artifacts={CHECKPOINT_ARTIFACT: str(checkpoint)},
                    code_paths=_stage_code(tmp / "code"),
                    pip_requirements=pip_requirements(),
                    signature=_signature(),
                    input_example=_input_example(),
                    model_config={SHA_KEY: sha, "variant": variant},
                    metadata={k: as_text(v) for k, v in info.items()} | {SHA_TAG: sha},
                    mlflow_model=mlflow_model,
                )
            client.log_model_artifacts(logged.model_id, str(tmp / "model"))
        client.finalize_logged_model(logged.model_id, "READY")
    except BaseException:
        with contextlib.suppress(Exception):  # keep the original error
            client.finalize_logged_model(logged.model_id, "FAILED")
        raise
    client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=int(info["epoch"]))])

    _ensure_registered_model(tracker, registered_model)
    version_tags = {**tags, **_metric_tags(metrics)}
    # The source is the logged model's storage location, not `models:/<model_id>`: MLflow's SQL
    # registry resolves the latter through the *global* tracking URI, not this client's.
    version_tags["model_id"] = logged.model_id
    mv = client.create_model_version(
        registered_model,
        source=logged.artifact_location,
        run_id=run_id,
        tags={k: as_text(v) for k, v in version_tags.items()},
        model_id=logged.model_id,
    )
    client.set_registered_model_alias(registered_model, variant, mv.version)
    return str(mv.version)


def _metric_tags(metrics: Mapping[str, Any] | None) -> dict[str, str]:
    return {k: as_text(v) for k, v in (metrics or {}).items() if as_number(v) is not None}


def _tag_version(tracker: Tracker, registered_model: str, version: str, metrics: Mapping[str, Any] | None) -> None:
    for key, value in _metric_tags(metrics).items():
        tracker.client.set_model_version_tag(registered_model, version, key, value)


def _registered_already(tracker: Tracker, registered_model: str, run_id: str, sha: str, variant: str) -> str | None:
    """The version of `registered_model` made from `run_id` with these exact checkpoint bytes, if any."""
    from mlflow.exceptions import MlflowException

    try:
        found = tracker.client.search_model_versions(f"name = '{registered_model}' and run_id = '{run_id}'")
    except MlflowException:
        return None
    same = [mv for mv in found if (mv.tags or {}).get(SHA_TAG) == sha and (mv.tags or {}).get("variant") == variant]
    return str(max(int(mv.version) for mv in same)) if same else None


def set_champion(tracker: Tracker, registered_model: str | None, version: str | int, reason: str) -> None:
    """Point alias `champion` at `version` and record why on the version (`champion_reason`)."""
    registered_model = registered_model or tracking_config().registered_model
    tracker.client.set_registered_model_alias(registered_model, CHAMPION, str(version))
    tracker.client.set_model_version_tag(registered_model, str(version), "champion_reason", reason)
