"""The model registry: a generator checkpoint as a servable MLflow pyfunc model, its aliases, and loading it back.

Registered model `nir-colorizer`; each version is one checkpoint, logged as an MLflow 3 logged
model named `model` whose source run is the phase run that wrote it. Aliases: `baseline` and
`dense` (the latest registered checkpoint of each variant) and `champion` (set by compare).
Version tags: `variant`, `checkpoint_sha256`, the validation metrics (`val/psnr`, …) and, on
the champion, `champion_reason`.

The served model is code, not a pickle (MLflow's models-from-code): a three-line entry file
builds `NirColorizer`, whose code travels with the model (`code/flows`, `code/nircolor`).
Its only data is the checkpoint, loaded pickle-free and refused unless its sha256 matches the
one recorded at registration.

Serving (CPU, this environment):

    mlflow models serve -m models:/nir-colorizer@champion --env-manager local -h 127.0.0.1 -p 5001

    curl -X POST -H 'Content-Type: application/json' 127.0.0.1:5001/invocations \
         -d '{"dataframe_split": {"columns": ["image"], "data": [["<base64 png>"]]}}'

Request: one row per image, column `image` = the base64-encoded bytes of an image file (PNG,
TIFF, JPEG, BMP: whatever Pillow reads; 8- or 16-bit grayscale, or RGB with three equal
channels; `data:image/png;base64,` prefixes and line breaks are accepted). Any size from 1×1
up: the generator pads internally to multiples of its `size_multiple` (its training size, 256
for the paper's UNet256). Response: `{"predictions": [{"image": "<base64 png>", "height": H,
"width": W}, …]}`, the colorized RGB image as an 8-bit PNG of the input's size.

Limits (checked from the headers before any pixel is decoded): at most MAX_ROWS = 16 rows, and
at most MAX_PIXELS = 1,048,576 pixels (one 1024×1024 image) per request, each image counted at
its padded size; environment NIRCOLOR_SERVE_MAX_ROWS / NIRCOLOR_SERVE_MAX_PIXELS of the server
change them. A request that breaks a rule, or whose row is not a usable NIR image (bad base64,
not an image, alpha, a colour image), is answered HTTP 400 with JSON `{"error_code":
"INVALID_PARAMETER_VALUE", "message": "row 2: …"}` naming the row and the rule; a failure of the
model itself is a 500 (`INTERNAL_ERROR`), with the traceback in the server's log only.
NIRCOLOR_TORCH_THREADS sets torch's threads per server worker (`model_server_command` gives
each of N workers cores/N); each worker runs one generator pass at a time.

Set MLFLOW_TRACKING_URI (and MLFLOW_REGISTRY_URI if it differs) to the store first; by default
the store is `sqlite:///<repo>/mlflow.db` (see flows.tracking.tracking_uri).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import importlib.metadata
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flows.tracking import REPO_ROOT, Tracker, as_number, as_text, import_mlflow

REGISTERED_MODEL = "nir-colorizer"
CHAMPION = "champion"
MODEL_NAME = "model"  # the logged model's name (MLflow 3's successor of the run artifact path)
CHECKPOINT_ARTIFACT = "checkpoint"
SHA_TAG = "checkpoint_sha256"

_log = logging.getLogger(__name__)

# What the served model imports: nircolor's own needs (pyproject) at the versions running now.
_REQUIREMENTS = ("torch", "numpy", "pillow", "pandas", "pydantic", "pyyaml", "scikit-image", "albumentations", "tqdm")

_ENTRY_FILE = '''\
"""MLflow models-from-code entry of nir-colorizer: the served model is flows.registry.NirColorizer."""
import mlflow
from flows.registry import NirColorizer

mlflow.models.set_model(NirColorizer())
'''


class RegistryError(RuntimeError):
    """A registry lookup that cannot be satisfied (unknown model, alias or version)."""


class ChecksumMismatch(RegistryError):
    """A checkpoint artifact whose sha256 is not the one recorded when it was registered."""


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: str | os.PathLike[str], expected: str | None, what: str) -> str:
    if not expected:
        raise ChecksumMismatch(f"{what}: no checkpoint sha256 was recorded; refusing to load an unverified checkpoint")
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumMismatch(
            f"{what}: checkpoint sha256 {actual} does not match the recorded {expected}; "
            "the artifact was modified after registration, refusing to load it"
        )
    return actual


# --------------------------------------------------------------------------------------------
# Requests and responses of the served model

# Request limits, checked from the image headers before any pixel is decoded. The generator
# computes on each image padded up to multiples of its `size_multiple` (256 for the paper's
# UNet256), so the padded area is what counts: the dense ngf-64 generator took 4.3 GB (peak RSS)
# and 12 s on 2 CPU threads for 1024×1024, and memory grows with the area (4096×4096
# extrapolates to ~60 GB).
# One request therefore never costs more than one 1024×1024 image, whatever its row count.
MAX_ROWS = 16
MAX_PIXELS = 1024 * 1024
# Base64 payload per row: 8 bytes a pixel covers an uncompressed 48-bit TIFF plus headers.
MAX_BYTES_PER_PIXEL = 8
MAX_ROWS_ENV = "NIRCOLOR_SERVE_MAX_ROWS"
MAX_PIXELS_ENV = "NIRCOLOR_SERVE_MAX_PIXELS"
TORCH_THREADS_ENV = "NIRCOLOR_TORCH_THREADS"
SERVE_HOST = "127.0.0.1"  # this machine only, unless a person asks otherwise


@dataclass(frozen=True)
class ServingLimits:
    """What one request may ask of a served model (defaults above; environment overrides)."""

    max_rows: int = MAX_ROWS
    max_pixels: int = MAX_PIXELS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServingLimits:
        """Limits from NIRCOLOR_SERVE_MAX_ROWS / NIRCOLOR_SERVE_MAX_PIXELS; ValueError naming a bad one."""
        env = os.environ if env is None else env
        return cls(
            max_rows=_positive_int_env(env, MAX_ROWS_ENV, MAX_ROWS),
            max_pixels=_positive_int_env(env, MAX_PIXELS_ENV, MAX_PIXELS),
        )


def _positive_int_env(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{key}={raw!r}: expected a positive integer")
    return value


def decode_nir_bytes(data: bytes, *, name: str = "image") -> np.ndarray:
    """Image file bytes → uint8 NIR (H, W), by nircolor's file rules (16-bit scaled, equal-RGB accepted).

    Raises ValueError naming `name` and the reason.
    """
    if not data:
        raise ValueError(f"{name}: empty image data")
    with tempfile.TemporaryDirectory(prefix="nir-request-") as tmp:
        path = Path(tmp) / "image"
        path.write_bytes(data)
        return _read_nir(path, name)


def _read_nir(path: Path, name: str) -> np.ndarray:
    # nircolor decodes files (it reopens a file for 48-bit colour); a private temp file keeps
    # every one of its checks without a second decoder to maintain.
    from nircolor.data.io import ImageError, read_image

    try:
        return read_image(path, "nir")
    except ImageError as err:
        raise ValueError(f"{name}: {err.reason}") from None


def _b64_bytes(value: Any, name: str, max_bytes: int | None = None) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("ascii", errors="replace")
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a base64 string, got {type(value).__name__}")
    text = value.strip()
    if text.startswith("data:") and "," in text:  # data:image/png;base64,....
        text = text.split(",", 1)[1]
    if max_bytes is not None and len(text) > 4 * (max_bytes // 3 + 1) + len(text) // 64 + 4:
        # before decoding: 4 characters per 3 bytes, plus line breaks every 64+ characters
        raise ValueError(f"{name}: {len(text):,} base64 characters is over the limit of {max_bytes:,} image bytes")
    text = "".join(text.split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"{name}: not valid base64 ({err})") from None


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def decode_request(values: Sequence[Any], multiple: int, limits: ServingLimits | None = None) -> list[np.ndarray]:
    """The `image` column of a request → uint8 NIR arrays, or ValueError naming the row and the rule.

    Cheap checks first, and no pixel decoded until every row has passed them: the row count, each
    row's base64 and byte size, its header (a readable image, no alpha, grayscale or equal-channel
    RGB), and the request's area with each image padded up to `multiple` (the generator's
    `size_multiple`) against `limits.max_pixels`.
    """
    from nircolor.data.io import ImageError, probe_image

    limits = limits or ServingLimits()
    if len(values) == 0:
        raise ValueError("the request has no rows; send one row per image in column 'image'")
    if len(values) > limits.max_rows:
        raise ValueError(f"the request has {len(values)} rows; at most {limits.max_rows} images per request")
    limit = f"the limit is {limits.max_pixels:,} pixels per request, each image counted padded to multiples of {multiple}"
    with tempfile.TemporaryDirectory(prefix="nir-request-") as tmp:
        paths, total = [], 0
        for row, value in enumerate(values):
            name = f"row {row}"
            data = _b64_bytes(value, name, MAX_BYTES_PER_PIXEL * limits.max_pixels)
            if not data:
                raise ValueError(f"{name}: empty image data")
            if len(data) > MAX_BYTES_PER_PIXEL * limits.max_pixels:
                raise ValueError(f"{name}: {len(data):,} bytes is over the limit of {MAX_BYTES_PER_PIXEL * limits.max_pixels:,}")
            path = Path(tmp) / f"row{row}"
            path.write_bytes(data)
            try:
                info = probe_image(path, "nir")  # header only
            except ImageError as err:
                if err.reason.startswith("too large"):  # over nircolor's file limit, far above ours
                    raise ValueError(f"{name}: image too large: {err.reason}; {limit}") from None
                raise ValueError(f"{name}: {err.reason}") from None
            h, w = info.size
            area = _round_up(h, multiple) * _round_up(w, multiple)
            total += area
            if area > limits.max_pixels:
                raise ValueError(
                    f"{name}: image too large: {h}×{w} is computed as "
                    f"{_round_up(h, multiple)}×{_round_up(w, multiple)} = {area:,} pixels; {limit}"
                )
            if total > limits.max_pixels:
                raise ValueError(f"{name}: request too large: rows 0–{row} come to {total:,} pixels; {limit}")
            paths.append(path)
        return [_read_nir(path, f"row {row}") for row, path in enumerate(paths)]


def encode_png_b64(rgb: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _image_column(model_input: Any) -> list[Any]:
    import pandas as pd

    if isinstance(model_input, Mapping):
        try:
            model_input = pd.DataFrame(dict(model_input))
        except ValueError as err:
            raise ValueError(f"expected a table with a column 'image' of base64-encoded image bytes ({err})") from None
    if not isinstance(model_input, pd.DataFrame) or "image" not in model_input.columns:
        got = list(model_input.columns) if isinstance(model_input, pd.DataFrame) else type(model_input).__name__
        raise ValueError(f"expected a table with a column 'image' of base64-encoded image bytes, got {got}")
    return model_input["image"].tolist()


@functools.cache
def _serving_errors() -> tuple[type, type]:
    """(RequestRejected, ServingFailed): MlflowExceptions that MLflow's scoring server turns into 400 / 500.

    The scoring server answers an MlflowException with its error code's HTTP status and JSON
    `{"error_code", "message"}`; any other exception becomes a 400 with a generic message and the
    server's traceback. So a bad request raises RequestRejected (INVALID_PARAMETER_VALUE → 400,
    our message), and a failure of the model itself ServingFailed (INTERNAL_ERROR → 500): the
    client learns which side is at fault, and never sees a traceback.
    """
    import_mlflow()
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INTERNAL_ERROR, INVALID_PARAMETER_VALUE

    class ServingError(MlflowException):
        # The scoring server rewrites `message` to "Failed to predict data '<repr of the whole
        # request table>'. Error: …"; a table of base64 strings only buries the reason, so the
        # message stays as first written.
        def __setattr__(self, name: str, value: Any) -> None:
            if name == "message" and "message" in self.__dict__:
                return
            super().__setattr__(name, value)

    class RequestRejected(ServingError, ValueError):
        def __init__(self, message: str) -> None:
            super().__init__(message, error_code=INVALID_PARAMETER_VALUE)

    class ServingFailed(ServingError):
        def __init__(self, message: str) -> None:
            super().__init__(message, error_code=INTERNAL_ERROR)

    for cls in (RequestRejected, ServingFailed):
        cls.__module__ = __name__
    return RequestRejected, ServingFailed


class _NirColorizerLogic:
    """load_context/predict of the served model (mixed into mlflow.pyfunc.PythonModel lazily)."""

    def load_context(self, context: Any) -> None:
        """Verify the checkpoint's sha256 against the recorded one, then load it pickle-free on CPU.

        Also reads the request limits (NIRCOLOR_SERVE_MAX_ROWS, NIRCOLOR_SERVE_MAX_PIXELS) and
        torch's thread count (NIRCOLOR_TORCH_THREADS: give each of N server workers cores/N, so
        the workers together never oversubscribe the CPU).
        """
        import torch

        from nircolor.inference import load_generator

        self.limits = ServingLimits.from_env()
        if os.environ.get(TORCH_THREADS_ENV, "").strip():
            torch.set_num_threads(_positive_int_env(os.environ, TORCH_THREADS_ENV, 1))
        path = context.artifacts[CHECKPOINT_ARTIFACT]
        expected = (context.model_config or {}).get(SHA_TAG)
        _verify(path, expected, f"served model checkpoint {Path(path).name}")
        self.generator, self.meta = load_generator(path, "cpu")
        # The scoring server runs concurrent requests in threads; one generator pass at a time
        # per worker keeps its memory at one request's worth (the limits above) and gives
        # torch's thread pool to that pass alone.
        self._lock = threading.Lock()

    def predict(self, context, model_input, params=None):  # no hints: MLflow would infer a signature from them
        """DataFrame with column `image` (base64 image bytes) → DataFrame image (base64 PNG), height, width.

        A request that breaks a rule raises RequestRejected (HTTP 400 when served) naming the row
        and the rule; a failure of the model itself raises ServingFailed (HTTP 500).
        """
        import pandas as pd

        from nircolor.inference import colorize_array

        rejected, failed = _serving_errors()
        limits = getattr(self, "limits", None) or ServingLimits()
        try:
            nirs = decode_request(_image_column(model_input), self.generator.size_multiple, limits)
        except ValueError as err:
            raise rejected(str(err)) from None
        try:
            with getattr(self, "_lock", None) or contextlib.nullcontext():
                rgbs = [colorize_array(self.generator, nir, "cpu") for nir in nirs]
            images = [encode_png_b64(rgb) for rgb in rgbs]
        except Exception as err:
            _log.exception("nir-colorizer: colorizing a valid request failed")
            raise failed(f"colorizing failed on the server ({type(err).__name__}); see the server's log") from None
        return pd.DataFrame(
            {"image": images, "height": [int(r.shape[0]) for r in rgbs], "width": [int(r.shape[1]) for r in rgbs]}
        )


def _make_model_class() -> type:
    mlflow = import_mlflow()
    cls = type(
        "NirColorizer",
        (_NirColorizerLogic, mlflow.pyfunc.PythonModel),
        {
            "__module__": __name__,
            "__qualname__": "NirColorizer",
            "__doc__": "NIR → RGB colorizer served by MLflow: base64 image rows in, base64 RGB PNGs out.",
        },
    )
    return cls


def __getattr__(name: str) -> Any:
    # `NirColorizer` subclasses mlflow.pyfunc.PythonModel; building it on first access keeps
    # `import flows.registry` free of mlflow's import cost and logging side effects.
    if name == "NirColorizer":
        cls = _make_model_class()
        globals()["NirColorizer"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def model_server_command(
    model_uri: str,
    port: int,
    *,
    host: str = SERVE_HOST,
    workers: int = 1,
    torch_threads: int | None = None,
    request_timeout_s: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of `mlflow models serve` for `model_uri`, bound to 127.0.0.1 unless asked.

    `torch_threads` defaults to this machine's cores divided among the `workers` (at least 1).
    The environment is this one's, with the venv's bin/ first on PATH (MLflow starts `uvicorn`
    by name) and the network-closed settings of the project.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = torch_threads or max(1, cores // workers)
    argv = [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local",
            "-h", host, "-p", str(port), "-w", str(workers)]  # fmt: skip
    if request_timeout_s:
        argv += ["-t", str(request_timeout_s)]
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env[TORCH_THREADS_ENV] = str(threads)
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    env.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    env.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    return argv, env


# --------------------------------------------------------------------------------------------
# Registering


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
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((4, 4), 128, np.uint8)).save(buf, format="PNG")
    return pd.DataFrame({"image": [base64.b64encode(buf.getvalue()).decode("ascii")]})


def _stage_code(dest: Path) -> list[str]:
    """Copies of the packages the served model imports: nircolor, and flows' registry + tracking only."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO_ROOT / "src" / "nircolor", dest / "nircolor", ignore=ignore)
    flows = dest / "flows"
    flows.mkdir(parents=True)
    (flows / "__init__.py").write_text('"""The subset of flows that a served nir-colorizer model imports."""\n')
    here = Path(__file__).resolve().parent
    for module in ("registry.py", "tracking.py"):
        shutil.copyfile(here / module, flows / module)
    return [str(dest / "nircolor"), str(flows)]


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
    registered_model: str = REGISTERED_MODEL,
    metrics: Mapping[str, float] | None = None,
) -> str:
    """Log `checkpoint` as a pyfunc model of `run_id`, register it, point alias `<variant>` at it.

    Returns the version number (a string). The same checkpoint bytes registered again from the
    same run (a retried task) return the existing version, with `metrics` re-tagged. No
    environment resolution and no model run: a tiny checkpoint registers in well under a
    second; a large one costs its load, hash and two copies.
    """
    from nircolor.training.checkpoint import load_checkpoint

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

    logged = client.create_logged_model(
        tracker.experiment_id, name=MODEL_NAME, source_run_id=run_id, tags={k: as_text(v) for k, v in tags.items()}
    )
    try:
        with tempfile.TemporaryDirectory(prefix="nir-model-") as tmp:
            tmp = Path(tmp)
            entry = tmp / "nir_colorizer_model.py"
            entry.write_text(_ENTRY_FILE)
            code_paths = _stage_code(tmp / "code")
            mlflow_model = mlflow.models.Model(
                artifact_path=logged.artifact_location,
                model_uuid=logged.model_id,
                run_id=run_id,
                model_id=logged.model_id,
            )
            with warnings.catch_warnings():  # MLflow's example writer trips a pandas 3 deprecation
                warnings.filterwarnings("ignore", message="Operation with range is deprecated")
                mlflow.pyfunc.save_model(
                    path=str(tmp / "model"),
                    python_model=str(entry),
                    artifacts={CHECKPOINT_ARTIFACT: str(checkpoint)},
                    code_paths=code_paths,
                    pip_requirements=pip_requirements(),
                    signature=_signature(),
                    input_example=_input_example(),
                    model_config={SHA_TAG: sha, "variant": variant},
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


def set_champion(tracker: Tracker, registered_model: str, version: str | int, reason: str) -> None:
    """Point alias `champion` at `version` and record why on the version (`champion_reason`)."""
    tracker.client.set_registered_model_alias(registered_model, CHAMPION, str(version))
    tracker.client.set_model_version_tag(registered_model, str(version), "champion_reason", reason)


# --------------------------------------------------------------------------------------------
# Resolving and loading


def _tracker(uri_or_tracker: Tracker | str | None) -> Tracker:
    return uri_or_tracker if isinstance(uri_or_tracker, Tracker) else Tracker(uri=uri_or_tracker)


def _version_by_alias(tracker: Tracker, registered_model: str, alias: str) -> Any:
    from mlflow.exceptions import MlflowException

    client = tracker.client
    try:
        model = client.get_registered_model(registered_model)
    except MlflowException:
        raise RegistryError(f"no registered model {registered_model!r} in {tracker.registry_uri}") from None
    aliases = dict(model.aliases or {})
    alias = alias.removeprefix("@")
    if alias.removeprefix("v").isdigit():  # a version number instead of an alias: "3" or "v3"
        try:
            return client.get_model_version(registered_model, alias.removeprefix("v"))
        except MlflowException:
            raise RegistryError(f"registered model {registered_model!r} has no version {alias}") from None
    if alias not in aliases:
        known = ", ".join(f"{a} → v{v}" for a, v in sorted(aliases.items())) or "none"
        raise RegistryError(f"registered model {registered_model!r} has no alias {alias!r} (aliases: {known})")
    return client.get_model_version(registered_model, aliases[alias])


def version_info(tracker: Tracker | str | None, registered_model: str, alias: str) -> dict[str, Any]:
    """What an alias points at, for reports: version, run_id, model_id, source and tags."""
    tracker = _tracker(tracker)
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
    registered_model: str = REGISTERED_MODEL,
    alias: str = CHAMPION,
    *,
    device: str = "cpu",
) -> tuple[Any, dict[str, Any]]:
    """(generator in eval mode, metadata) of the checkpoint behind `alias`, sha256-verified, pickle-free."""
    from nircolor.inference import load_generator

    mlflow = import_mlflow()
    tracker = _tracker(uri_or_tracker)
    mv = _version_by_alias(tracker, registered_model, alias)
    what = f"{registered_model}@{alias} (v{mv.version})"
    with tempfile.TemporaryDirectory(prefix="nir-registered-") as tmp:
        # The version's storage location, not `models:/…`: MLflow resolves those through the
        # global registry URI rather than this tracker's.
        location = tracker.client.get_model_version_download_uri(registered_model, mv.version)
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=tmp, tracking_uri=tracker.uri))
        path = local / _checkpoint_relpath(local)
        sha = _verify(path, (mv.tags or {}).get(SHA_TAG), what)
        generator, meta = load_generator(path, device)
    meta = dict(meta)
    meta.update(registered_model=registered_model, alias=alias, version=str(mv.version), run_id=mv.run_id, sha256=sha)
    return generator, meta
