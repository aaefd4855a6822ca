"""Serving a registered model over HTTP: the `mlflow models serve` command line, bound to this machine.

    python -m flows.registry.serve [--alias champion] [--port 5001] [--workers 1] [--dry-run]

runs `mlflow models serve -m models:/<registered model>@<alias> --env-manager local -h 127.0.0.1
-p <port>` in the project's environment (the registered model's name comes from params.yaml).
Then:

    curl -X POST -H 'Content-Type: application/json' 127.0.0.1:5001/invocations \
         -d '{"dataframe_split": {"columns": ["image"], "data": [["<base64 png>"]]}}'

Request: one row per image, column `image` = the base64-encoded bytes of an image file (PNG,
TIFF, JPEG, BMP: whatever Pillow reads; 8- or 16-bit grayscale, or RGB with three equal
channels; `data:image/png;base64,` prefixes and line breaks are accepted). Any size from 1×1
up: the generator pads internally to multiples of its `size_multiple`. Response:
`{"predictions": [{"image": "<base64 png>", "height": H, "width": W}, …]}`, the colorized RGB
image as an 8-bit PNG of the input's size.

Limits (nircolor.serving, checked from the headers before any pixel is decoded): at most
MAX_ROWS = 16 rows and MAX_PIXELS = 1,048,576 pixels (one 1024×1024 image) per request, each
image counted at its padded size; NIRCOLOR_SERVE_MAX_ROWS / NIRCOLOR_SERVE_MAX_PIXELS change
them. A request that breaks a rule, or whose row is not a usable NIR image, is answered HTTP 400
with JSON `{"error_code": "INVALID_PARAMETER_VALUE", "message": "row 2: …"}`; a failure of the
model itself is a 500 (`INTERNAL_ERROR`), with the traceback in the server's log only.
NIRCOLOR_TORCH_THREADS sets torch's threads per server worker (`model_server_command` gives
each of N workers cores/N); each worker runs one generator pass at a time.

Set MLFLOW_TRACKING_URI (and MLFLOW_REGISTRY_URI if it differs) to the store first; by default
the store is `sqlite:///<repo>/mlflow.db` (flows.tracking.tracking_uri).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Sequence

from flows.registry.server_command import DEFAULT_PORT, SERVE_HOST, model_server_command
from nircolor.environment import quiet_environment


def main(argv: Sequence[str] | None = None) -> int:
    from flows.common import tracking_config
    from flows.tracking import tracking_uri

    quiet_environment()
    parser = argparse.ArgumentParser(prog="python -m flows.registry.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--alias", default="champion", help="alias or version number (default: champion)")
    parser.add_argument("--host", default=SERVE_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    args = parser.parse_args(argv)
    ref = args.alias.removeprefix("@")
    ref = f"/{ref.removeprefix('v')}" if ref.removeprefix("v").isdigit() else f"@{ref}"
    model_uri = f"models:/{tracking_config().registered_model}{ref}"
    cmd, env = model_server_command(model_uri, args.port, host=args.host, workers=args.workers)
    env.setdefault("MLFLOW_TRACKING_URI", tracking_uri())  # the project's store, wherever this runs from
    if args.dry_run:
        print(shlex.join(cmd))
        return 0
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
