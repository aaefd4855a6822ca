"""The served nir-colorizer: an MLflow pyfunc model class built on nircolor alone (no flows code travels with it).

MLflow's models-from-code: registration hands MLflow this file as the model's code; MLflow copies
it into the model artifact (beside a copy of the `nircolor` package) and, when the model is
loaded or served, executes it under a generated module name. Run that way, the last lines hand
MLflow a `NirColorizer`; imported as `flows.registry.model` (registration, tests) the file only
defines the class. Its only data is the checkpoint, loaded pickle-free and refused unless its
sha256 matches the one recorded at registration.

Imports: nircolor, numpy and mlflow only (tests/unit/test_layering.py keeps it so).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

import mlflow.pyfunc
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INTERNAL_ERROR, INVALID_PARAMETER_VALUE

from nircolor.serving import (
    CHECKPOINT_ARTIFACT,
    SHA_KEY,
    ServingLimits,
    apply_torch_threads,
    decode_request,
    image_column,
    response_table,
    verify_checksum,
)

_log = logging.getLogger(__name__)


class ServingError(MlflowException):
    """An error MLflow's scoring server answers with its error code's HTTP status and JSON
    `{"error_code", "message"}` (any other exception becomes a 400 with a generic message).

    The scoring server rewrites `message` to "Failed to predict data '<repr of the whole request
    table>'. Error: …"; a table of base64 strings only buries the reason, so the message stays
    as first written.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "message" and "message" in self.__dict__:
            return
        super().__setattr__(name, value)


class RequestRejected(ServingError, ValueError):
    """A request that breaks a rule: HTTP 400 (INVALID_PARAMETER_VALUE) with our message."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


class ServingFailed(ServingError):
    """A failure of the model itself on a valid request: HTTP 500 (INTERNAL_ERROR), no traceback to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_code=INTERNAL_ERROR)


class NirColorizer(mlflow.pyfunc.PythonModel):
    """NIR → RGB colorizer served by MLflow: base64 image rows in, base64 RGB PNGs out."""

    def load_context(self, context: Any) -> None:
        """Verify the checkpoint's sha256 against the recorded one, then load it pickle-free on CPU.

        Also reads the request limits (NIRCOLOR_SERVE_MAX_ROWS, NIRCOLOR_SERVE_MAX_PIXELS) and
        torch's thread count (NIRCOLOR_TORCH_THREADS: give each of N server workers cores/N, so
        the workers together never oversubscribe the CPU).
        """
        from nircolor.inference import load_generator

        self.limits = ServingLimits.from_env()
        apply_torch_threads()
        path = context.artifacts[CHECKPOINT_ARTIFACT]
        expected = (context.model_config or {}).get(SHA_KEY)
        verify_checksum(path, expected, f"served model checkpoint {Path(path).name}")
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
        from nircolor.inference import colorize_array

        limits = getattr(self, "limits", None) or ServingLimits()
        try:
            nirs = decode_request(image_column(model_input), self.generator.size_multiple, limits)
        except ValueError as err:
            raise RequestRejected(str(err)) from None
        try:
            with getattr(self, "_lock", None) or contextlib.nullcontext():
                rgbs = [colorize_array(self.generator, nir, "cpu") for nir in nirs]
            return response_table(rgbs)
        except Exception as err:
            _log.exception("nir-colorizer: colorizing a valid request failed")
            raise ServingFailed(f"colorizing failed on the server ({type(err).__name__}); see the server's log") from None


# Executed by MLflow from the model's copy of this file (under a generated module name): this
# file is then the model's code, and hands MLflow the model object.
if __name__ != "flows.registry.model":
    import mlflow.models

    mlflow.models.set_model(NirColorizer())
