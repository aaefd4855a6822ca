"""Turn a profile (profiles/<name>.yaml: dotted key → value) into `dvc exp run -S` arguments.

  python -m pipeline.profile profiles/demo.yaml                 # prints the -S arguments
  python -m pipeline.profile profiles/demo.yaml --exec -n demo  # runs `dvc exp run <-S …> -n demo`

`--exec` is the safe form: in `dvc exp run $(python -m pipeline.profile FILE)` a profile that fails
to load (a typo in its path or a key) leaves the substitution empty, and the shell then starts the
paper's full recipe. With `--exec` nothing runs unless the profile validated; every argument after
`--exec` goes to `dvc exp run` (a name, targets such as `evaluate@dense_plus`, `--queue`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

import yaml

from nircolor.config import ConfigError, load_config, load_profile


def set_args(profile: Path, params: Path = Path("params.yaml")) -> list[str]:
    """`-S key=value` pairs, validated against the schema first (a typo fails here, not mid-run)."""
    overrides = load_profile(profile)
    load_config(params, overrides)
    out: list[str] = []
    for key, value in overrides.items():
        out += ["-S", f"{key}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", type=Path)
    ap.add_argument("--exec", dest="exec_args", nargs=argparse.REMAINDER, default=None,
                    help="run `dvc exp run` with the profile's -S arguments and these arguments")
    args = ap.parse_args(argv)
    if not args.profile.is_file():
        sys.exit(f"error: no profile at {args.profile} (see profiles/)")
    try:
        s_args = set_args(args.profile)
    except ConfigError as err:
        sys.exit(f"error: {err}")
    if args.exec_args is None:
        print(shlex.join(s_args))
        return
    cmd = ["dvc", "exp", "run", *s_args, *args.exec_args]
    print("+ " + shlex.join(cmd), file=sys.stderr, flush=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
