"""A Prefect deployment that launches the pipeline: `dvc exp run` with overrides, never around DVC.

Serve it (the Prefect server must be up; its URL comes from PREFECT_API_URL or .servers/):

    bash scripts/servers.sh up
    python -m flows.ops.launch serve        # deployment `launch-pipeline/nircolor-pipeline`; Ctrl-C stops it

then in the Prefect UI (http://127.0.0.1:4200) → Deployments → nircolor-pipeline → Run → Custom
run: `variants` (["baseline", "dense"] or one of them), `overrides` ({"loss.lambda_pair": "30"}),
`temp`, `queue`. Or from a shell: `prefect deployment run launch-pipeline/nircolor-pipeline
-p variants='["dense"]' -p overrides='{"loss.lambda_pair": "30"}'`. The server runs one launch at
a time (`limit=1`): two workspace runs would fight over the same checkout.

Run it once, here, without a deployment:

    python -m flows.ops.launch run --variant dense -S loss.lambda_pair=30 [--temp | --queue]

Steps:
1. Validate: every variant is baseline or dense; every override key is a dotted path that exists
   in params.yaml; every value parses (Hydra override grammar, as `dvc exp run -S` reads it) and
   passes the recipe's schema. Errors name the key, before DVC starts.
2. Build `dvc exp run [--temp|--queue] -S key=value … <targets>`: `evaluate@<variant>` for each
   requested variant (DVC runs ingest → augment → phase1-3 upstream of it) plus `compare` when
   both variants are requested.
3. Run it in the repository root, streaming its output line by line into the flow's log, with
   PREFECT_API_URL passed on so every stage's flow shows in the same Prefect server. Without
   a configured server (`launch run` with no servers up) the stages share this run's own
   temporary server instead of starting one each; not for `queue`, which outlives the run.
4. `queue=True`: the experiment is only queued by step 3, so `dvc queue start` follows. It
   starts one queue worker unless that worker already runs (DVC names workers per repository,
   so launching again never adds a second worker); queued experiments then run one after
   another in the background and this flow returns once they are queued. Follow them with
   `dvc queue status` / `dvc queue logs <name>`. A worker already running keeps the
   environment (PREFECT_API_URL) it was started with.
5. Return {"returncode", "command", "experiment", "experiments"}; a non-zero exit of DVC fails
   the flow run (PipelineFailed carries the return code, the command and the output's tail).

Without `--temp`/`--queue` the experiment runs in the checkout itself and DVC applies its
results there, as `dvc exp run` does in a shell. Values follow DVC's `-S` (Hydra) grammar:
`[0.4,1.6]` is a list, `a,b` a sweep (DVC allows sweeps only with `--queue`).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from prefect import flow

from flows.common import PARAMS_FILE, repo_root
from flows.ops.servers import ServerError, pipeline_env
from flows.ops.streaming import stream
from nircolor.config import parse_overrides
from nircolor.environment import quiet_environment

DEPLOYMENT = "nircolor-pipeline"
TAGS = ["nircolor", "dvc"]

# The dvc executable: this, else $NIRCOLOR_DVC, else the one beside this Python, else PATH.
DVC_EXECUTABLE: str | None = None

_RAN = re.compile(r"Ran experiment\(s\):\s*(.+)")
_QUEUED = re.compile(r"Queued experiment '([^']+)'")


class PipelineFailed(RuntimeError):
    """`dvc exp run` (or `dvc queue start`) exited non-zero."""

    def __init__(self, returncode: int, command: Sequence[str], tail: Iterable[str]) -> None:
        self.returncode = returncode
        self.command = list(command)
        lines = "\n".join(tail)
        super().__init__(f"{shlex.join(self.command)} exited with {returncode}; last output:\n{lines}")


# --------------------------------------------------------------------------------------------
# Validation and the command (pure)


def known_variants(params_file: Path | None = None) -> tuple[str, ...]:
    """The variants `params.yaml` lists (its `variants` keys), in order: their one home."""
    path = params_file or repo_root() / PARAMS_FILE
    params = yaml.safe_load(path.read_text()) or {}
    return tuple(params.get("variants") or ())


def check_variants(variants: Iterable[str] | None, known: Sequence[str] | None = None) -> list[str]:
    """The requested variants (None: all), deduplicated in order; ValueError naming an unknown one."""
    known = tuple(known) if known is not None else known_variants()
    if variants is None:
        variants = known
    if isinstance(variants, str):  # "dense" would otherwise read as five one-letter variants
        variants = [variants]
    chosen: list[str] = []
    for variant in variants:
        if variant not in known:
            raise ValueError(f"unknown variant {variant!r}; choose from {list(known)}")
        if variant not in chosen:
            chosen.append(variant)
    if not chosen:
        raise ValueError(f"no variant requested; choose from {list(known)}")
    return chosen


def override_text(value: Any) -> str:
    """A value as `-S` text: booleans and None in YAML spelling, lists as `[a,b]`, everything else as str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(override_text(v) for v in value) + "]"
    return str(value)


def check_override_keys(overrides: Mapping[str, Any], params: Mapping[str, Any]) -> None:
    """ValueError naming the first key that is not a dotted path existing in `params`."""
    for key in overrides:
        node: Any = params
        parts = str(key).split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, Mapping) or part not in node:
                where = ".".join(parts[:i]) or "the top level"
                raise ValueError(
                    f"override key {key!r} is not in {PARAMS_FILE} (no {part!r} under {where})"
                )
            node = node[part]


def build_dvc_command(
    variants: Iterable[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    temp: bool = False,
    queue: bool = False,
    *,
    dvc: str = "dvc",
    known: Sequence[str] | None = None,
) -> list[str]:
    """`dvc exp run [--temp|--queue] -S k=v … evaluate@<v> … [compare]` for the requested variants."""
    known = tuple(known) if known is not None else known_variants()
    chosen = check_variants(variants, known)
    if temp and queue:
        raise ValueError("temp and queue exclude each other: a queued experiment always runs in a temporary workspace")
    cmd = [dvc, "exp", "run"]
    if temp:
        cmd.append("--temp")
    if queue:
        cmd.append("--queue")
    for key, value in (overrides or {}).items():
        if not key or "=" in key or key.strip() != key:
            raise ValueError(f"override key {key!r} is not a dotted parameter name")
        cmd += ["-S", f"{key}={override_text(value)}"]
    cmd += [f"evaluate@{v}" for v in chosen]
    if set(chosen) == set(known):
        cmd.append("compare")
    return cmd


def check_override_values(overrides: Mapping[str, Any], params_file: Path, queue: bool) -> None:
    """Parse each value as DVC will (Hydra grammar) and validate the recipe it makes.

    ValueError names the key; a sweep (`a,b`) is accepted only with `queue`. Skipped when
    Hydra (a DVC dependency) is not importable.
    """
    if not overrides:
        return
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.errors import HydraException
    except ImportError:  # pragma: no cover - dvc always brings hydra
        return
    from nircolor.config import load_config

    parser = OverridesParser.create()
    values: dict[str, Any] = {}
    for key, value in overrides.items():
        text = f"{key}={override_text(value)}"
        try:
            (parsed,) = parser.parse_overrides([text])
        except HydraException as err:
            raise ValueError(f"override {key!r}: cannot parse {text!r}: {err}") from None
        if parsed.is_sweep_override():
            if not queue:
                raise ValueError(f"override {key!r} is a sweep ({override_text(value)!r}); sweeps need queue=True")
            continue
        values[key] = parsed.value()
    load_config(params_file, values)  # ConfigError (a ValueError) naming each bad key


def experiment_names(lines: Iterable[str]) -> list[str]:
    """Experiment names that `dvc exp run` / `--queue` printed, in order."""
    names: list[str] = []
    for line in lines:
        if m := _RAN.search(line):
            names += [n.strip() for n in m.group(1).split(",") if n.strip()]
        names += _QUEUED.findall(line)
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------------------------
# Running DVC


def dvc_executable() -> str:
    if DVC_EXECUTABLE or os.environ.get("NIRCOLOR_DVC"):
        return DVC_EXECUTABLE or os.environ["NIRCOLOR_DVC"]
    beside = Path(sys.executable).parent / "dvc"
    if beside.exists():
        return str(beside)
    found = shutil.which("dvc")
    if found is None:
        raise FileNotFoundError("dvc is not installed here (pip install dvc, or run scripts/env.sh)")
    return found


def _prefect_api_url(*, durable: bool) -> str | None:
    """The Prefect API for DVC's stages: the configured server, else (unless `durable` is asked
    for) the temporary server this flow run itself talks to, which lives as long as the run."""
    from prefect.settings import PREFECT_API_URL

    configured = PREFECT_API_URL.value()
    if configured or durable:
        return configured or None
    try:
        from prefect.context import get_run_context

        return str(get_run_context().client.api_url).rstrip("/") or None
    except Exception:  # noqa: BLE001 - outside a flow run (`launch_pipeline.fn`): no server at all
        return None


def _child_env(*, durable: bool) -> dict[str, str]:
    env = dict(quiet_environment(dict(os.environ)))
    api = _prefect_api_url(durable=durable)
    if api:
        env["PREFECT_API_URL"] = api
    return env


@flow(name="launch-pipeline", log_prints=True)
def launch_pipeline(
    variants: list[str] | None = None,
    overrides: dict[str, str] | None = None,
    temp: bool = False,
    queue: bool = False,
) -> dict:
    """Run the DVC pipeline as an experiment: `dvc exp run` with `-S` overrides for the chosen variants.

    Args:
        variants: which chains to run, from params.yaml's `variants` (default: all, then compare),
            e.g. ["dense"].
        overrides: params.yaml keys to change for this experiment, e.g. {"loss.lambda_pair": "30"}.
        temp: run in a temporary workspace (`dvc exp run --temp`), leaving the checkout alone.
        queue: queue the experiment (`dvc exp run --queue`) and start the queue worker.
    """
    root = repo_root()
    params_file = root / PARAMS_FILE
    overrides = dict(overrides or {})

    # 1. validate before anything runs
    known = known_variants(params_file)
    chosen = check_variants(variants, known)
    params = yaml.safe_load(params_file.read_text()) or {}
    check_override_keys(overrides, params)
    check_override_values(overrides, params_file, queue)

    # 2. the command
    cmd = build_dvc_command(chosen, overrides, temp, queue, dvc=dvc_executable(), known=known)
    # a queued experiment runs after this flow (and its temporary server) is gone
    env = _child_env(durable=queue)
    if "PREFECT_API_URL" not in env:
        print("note: no Prefect server is set (PREFECT_API_URL); every stage starts a temporary one")
    print(f"$ {shlex.join(cmd)}   (in {root})")

    # 3. run it, streaming
    returncode, lines = stream(cmd, root, env)
    if returncode != 0:
        raise PipelineFailed(returncode, cmd, lines[-40:])
    names = experiment_names(lines)

    # 4. a queued experiment needs a worker
    if queue:
        start = [cmd[0], "queue", "start"]
        print(f"$ {shlex.join(start)}")
        rc, out = stream(start, root, env)
        if rc != 0:
            raise PipelineFailed(rc, start, out[-40:])

    # 5. the record
    return {
        "returncode": returncode,
        "command": cmd,
        "experiment": names[0] if names else None,
        "experiments": names,
    }


# --------------------------------------------------------------------------------------------
# Command line


def _sets(items: Sequence[str]) -> dict[str, str]:
    """`-S key=value` items → {key: value as `-S` text}, parsed by nircolor.config.parse_overrides
    (ConfigError, a ValueError, names a malformed item)."""
    return {key: override_text(value) for key, value in parse_overrides(list(items)).items()}


def _use_running_server() -> None:
    """PREFECT_API_URL from `flows.ops.servers` state unless the person set it; settings follow the env."""
    if os.environ.get("PREFECT_API_URL"):
        return
    try:
        os.environ["PREFECT_API_URL"] = pipeline_env()["PREFECT_API_URL"]
    except ServerError:
        return


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.ops.launch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help=f"serve the deployment {DEPLOYMENT!r} (needs a running Prefect server)")
    run = sub.add_parser("run", help="launch the pipeline once, from here")
    run.add_argument("--variant", action="append", help="a key of params.yaml: variants; repeat (default: all)")
    run.add_argument("-S", "--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="a params.yaml override, as for dvc exp run -S")  # fmt: skip
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--temp", action="store_true", help="run in a temporary workspace (dvc exp run --temp)")
    mode.add_argument("--queue", action="store_true", help="queue it and start the queue worker")
    args = parser.parse_args(argv)

    quiet_environment()
    _use_running_server()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api = os.environ.get("PREFECT_API_URL")
    with temporary_settings({PREFECT_API_URL: api} if api else {}):
        if args.command == "serve":
            if not api:
                print("flows.ops.launch: no Prefect server: start one with `bash scripts/servers.sh up`", file=sys.stderr)
                return 1
            os.chdir(repo_root())  # served runs import `flows.ops.launch` from here
            print(f"serving {DEPLOYMENT!r} on {api}", flush=True)
            launch_pipeline.serve(name=DEPLOYMENT, tags=TAGS, limit=1,
                                  description=launch_pipeline.__doc__)  # fmt: skip
            return 0
        try:
            result = launch_pipeline(
                variants=args.variant, overrides=_sets(args.sets),
                temp=args.temp, queue=args.queue,
            )  # fmt: skip
        except PipelineFailed as err:
            print(f"flows.ops.launch: {err}", file=sys.stderr)
            return err.returncode or 1
        except ValueError as err:
            print(f"flows.ops.launch: {err}", file=sys.stderr)
            return 2
    print(f"experiment: {result['experiment'] or '(name not printed)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
