"""The model registry: generator checkpoints as servable MLflow pyfunc versions, their aliases, loading them back, serving.

    register.py   register_generator, set_champion (aliases `<variant>`, `champion`)
    load.py       version_info, load_registered (sha256-verified, pickle-free)
    model.py      NirColorizer, the served pyfunc model (imports nircolor and mlflow only)
    server_command.py  model_server_command: argv and environment of `mlflow models serve`
    serve.py      `python -m flows.registry.serve`: serve a registered alias on 127.0.0.1

The registered model's name is params.yaml's `tracking.registered_model`. Importing this package
does not import mlflow (model.py is imported only where the model class itself is needed).
"""

from flows.registry.load import (
    CHAMPION,
    ChecksumMismatch,
    RegistryError,
    load_registered,
    version_info,
)
from flows.registry.register import (
    MODEL_NAME,
    SHA_TAG,
    pip_requirements,
    register_generator,
    set_champion,
)
from flows.registry.server_command import SERVE_HOST, model_server_command
from nircolor.fsutil import sha256_file
from nircolor.serving import (
    MAX_PIXELS,
    MAX_ROWS,
    ServingLimits,
    decode_nir_bytes,
    decode_request,
)

__all__ = [
    "CHAMPION", "MAX_PIXELS", "MAX_ROWS", "MODEL_NAME", "SERVE_HOST", "SHA_TAG", "ChecksumMismatch", "RegistryError",
    "ServingLimits", "decode_nir_bytes", "decode_request", "load_registered", "model_server_command",
    "pip_requirements", "register_generator", "set_champion", "sha256_file", "version_info",
]
