"""Resolving a registered version (alias or number) and loading its checkpoint back, sha256-verified and pickle-free."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flows.common import tracking_config
from flows.tracking import Tracker, import_mlflow
from nircolor import serving
from nircolor.serving import CHECKPOINT_ARTIFACT, SHA_KEY

CHAMPION = "champion"


class RegistryError(RuntimeError):
    """A registry lookup that cannot be satisfied (unknown model, alias or version)."""


class ChecksumMismatch(RegistryError, serving.ChecksumMismatch):
    """A checkpoint artifact whose sha256 is not the one recorded when it was registered."""


def _tracker(uri_or_tracker: Tracker | str | None) -> Tracker:
    return uri_or_tracker if isinstance(uri_or_tracker, Tracker) else Tracker(uri=uri_or_tracker)


def _version_by_alias(tracker: Tracker, registered_model: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    client = tracker.client
    alias = alias.removeprefix("@")
    if alias.removeprefix("v").isdigit():  # a version number instead of an alias: "3" or "v3"
        try:
            return client.get_model_version(registered_model, alias.removeprefix("v"))
        except MlflowException:
            _registered_model(tracker, registered_model)  # names a missing model first
            raise RegistryError(f"registered model {registered_model!r} has no version {alias}") from None
    try:
        return client.get_model_version_by_alias(registered_model, alias)
    except MlflowException:
        aliases = dict(_registered_model(tracker, registered_model).aliases or {})
        known = ", ".join(f"{a} → v{v}" for a, v in sorted(aliases.items())) or "none"
        raise RegistryError(f"registered model {registered_model!r} has no alias {alias!r} (aliases: {known})") from None


def _registered_model(tracker: Tracker, registered_model: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return tracker.client.get_registered_model(registered_model)
    except MlflowException:
        raise RegistryError(f"no registered model {registered_model!r} in {tracker.registry_uri}") from None


def version_info(tracker: Tracker | str | None, registered_model: str | None, alias: str) -> dict[str, Any]:
    """What an alias points at, for reports: version, run_id, model_id, source and tags."""
    tracker = _tracker(tracker)
    registered_model = registered_model or tracking_config().registered_model
    mv = _version_by_alias(tracker, registered_model, alias)
    return {
        "registered_model": registered_model,
        "alias": alias,
        "version": str(mv.version),
        "run_id": mv.run_id,
        "model_id": getattr(mv, "model_id", None) or (mv.tags or {}).get("model_id"),
        "source": mv.source,
        "tags": dict(mv.tags or {}),
        "aliases": list(getattr(mv, "aliases", []) or []),
    }


def _checkpoint_relpath(model_dir: Path) -> str:
    import yaml

    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    return mlmodel["flavors"]["python_function"]["artifacts"][CHECKPOINT_ARTIFACT]["path"]


def load_registered(
    uri_or_tracker: Tracker | str | None,
    registered_model: str | None = None,
    alias: str = CHAMPION,
    *,
    device: str = "cpu",
) -> tuple[Any, dict[str, Any]]:
    """(generator in eval mode, metadata) of the checkpoint behind `alias`, sha256-verified, pickle-free.

    `registered_model` defaults to params.yaml's `tracking.registered_model`.
    """
    from nircolor.inference import load_generator

    mlflow = import_mlflow()
    tracker = _tracker(uri_or_tracker)
    registered_model = registered_model or tracking_config().registered_model
    mv = _version_by_alias(tracker, registered_model, alias)
    what = f"{registered_model}@{alias} (v{mv.version})"
    with tempfile.TemporaryDirectory(prefix="nir-registered-") as tmp:
        # The version's storage location, not `models:/…`: MLflow resolves those through the
        # global registry URI rather than this tracker's.
        location = tracker.client.get_model_version_download_uri(registered_model, mv.version)
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=tmp, tracking_uri=tracker.uri))
        path = local / _checkpoint_relpath(local)
        try:
            sha = serving.verify_checksum(path, (mv.tags or {}).get(SHA_KEY), what)
        except serving.ChecksumMismatch as err:
            raise ChecksumMismatch(str(err)) from None
        generator, meta = load_generator(path, device)
    meta = dict(meta)
    meta.update(registered_model=registered_model, alias=alias, version=str(mv.version), run_id=mv.run_id, sha256=sha)
    return generator, meta
