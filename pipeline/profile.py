"""Turn a profile (profiles/<name>.yaml: dotted key → value) into `dvc exp run -S` arguments.

  python -m pipeline.profile profiles/demo.yaml                 # prints the -S arguments
  python -m pipeline.profile profiles/demo.yaml --exec -n demo  # runs `dvc exp run <-S …> -n demo`

`--exec` is the safe form: in `dvc exp run $(python -m pipeline.profile FILE)` a profile that fails
to load (a typo in its path or a key) leaves the substitution empty, and the shell then starts the
paper's full recipe. With `--exec` nothing runs unless the profile validated; every argument after
`--exec` goes to `dvc exp run` (a name, targets such as `evaluate@dense_plus`, `--queue`). After a
run in this workspace, `--exec` fails if params.yaml holds a value that neither params.yaml before
the run nor any `-S` asked for.
"""

from __future__ import annotations

import argparse
import copy
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from nircolor.config import (
    ConfigError, apply_overrides, dotted_leaves, load_config, load_profile, parse_overrides, shadowed_settings,
)


def set_args(profile: Path, params: Path = Path("params.yaml")) -> list[str]:
    """`-S key=value` pairs, validated against the schema first (a typo fails here, not mid-run)."""
    overrides = load_profile(profile)
    load_config(params, overrides)
    out: list[str] = []
    for key, value in overrides.items():
        out += ["-S", f"{key}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"]
    return out


# `dvc exp run` flags after which the run does not apply its parameters to this workspace
NOT_APPLIED = {"--queue", "--temp", "--run-all", "--dry"}


def extra_sets(args: list[str]) -> dict[str, Any]:
    """The `-S key=value` / `--set-param key=value` pairs among the arguments passed on to dvc."""
    return parse_overrides([pair for flag, pair in zip(args, args[1:]) if flag in ("-S", "--set-param")])


def stray_params(before: dict, overrides: dict[str, Any], after: dict) -> dict[str, tuple[Any, Any]]:
    """Dotted keys whose value in `after` (params.yaml as the run left it) is not `before` with the
    run's `-S` overrides applied: {key: (expected, found)}. Empty when the run used what it was given."""
    expected = dotted_leaves(apply_overrides(copy.deepcopy(before), overrides))
    found = dotted_leaves(after)
    return {k: (expected.get(k), found.get(k)) for k in sorted(expected.keys() | found.keys())
            if expected.get(k) != found.get(k)}


def _covered(key: str, asked: dict[str, Any]) -> bool:
    return any(key == a or key.startswith(a + ".") for a in asked)


def _lines(diff: dict[str, tuple[Any, Any]], left: str, right: str) -> str:
    return "\n".join(f"  {k}: {left} {a!r}, {right} {b!r}" for k, (a, b) in diff.items())


def committed_params(params: Path) -> dict | None:
    """params.yaml as the current git commit holds it; None outside a git work tree."""
    try:
        text = subprocess.check_output(["git", "show", f"HEAD:./{params.name}"], cwd=params.parent,
                                       stderr=subprocess.DEVNULL, text=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return yaml.safe_load(text)


def run_child(cmd: list[str]) -> int:
    """Run `cmd` in the foreground and return its exit code. Ctrl-C reaches it as it would reach dvc
    alone (same process group), and this process waits for it to stop rather than kill it: a
    `dvc exp run` cut short leaves its parameters behind (see `main`)."""
    proc = subprocess.Popen(cmd)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profile", type=Path)
    ap.add_argument("--exec", dest="exec_args", nargs=argparse.REMAINDER, default=None,
                    help="run `dvc exp run` with the profile's -S arguments and these arguments")
    args = ap.parse_args(argv)
    if not args.profile.is_file():
        sys.exit(f"error: no profile at {args.profile} (see profiles/)")
    params = Path("params.yaml")
    try:
        s_args = set_args(args.profile)
        asked = {**load_profile(args.profile), **extra_sets(args.exec_args or [])}
        cfg = load_config(params if params.is_file() else None, asked)
    except ConfigError as err:
        sys.exit(f"error: {err}")
    for message in shadowed_settings(cfg, asked):  # DVC writes the key; that variant never sees it
        print(f"warning: {message}", file=sys.stderr)
    if args.exec_args is None:
        print(shlex.join(s_args))
        return
    cmd = ["dvc", "exp", "run", *s_args, *args.exec_args]
    committed = committed_params(params)
    if committed is not None and params.is_file():
        # A killed `dvc exp run` leaves its -S values in params.yaml *and staged in git's index*, so
        # `git checkout params.yaml` (which restores from the index) keeps them, and the next run
        # trains with every one it does not set itself (run 15, docs/results.md, session 13).
        drift = {k: v for k, v in stray_params(committed, asked, yaml.safe_load(params.read_text())).items()
                 if not _covered(k, asked)}
        if drift:
            sys.exit("error: params.yaml differs from the committed one in keys this run does not set:\n"
                     + _lines(drift, "committed", "here") + "\nA killed `dvc exp run` leaves its values there and "
                     "in git's index; `git checkout HEAD -- params.yaml` restores the committed file. To run "
                     "with them on purpose, commit them or pass them with -S. Nothing was started.")
    print("+ " + shlex.join(cmd), file=sys.stderr, flush=True)
    check = params.is_file() and not NOT_APPLIED & set(args.exec_args)
    before = committed if committed is not None else (yaml.safe_load(params.read_text()) if check else None)
    code = run_child(cmd)
    if code == 0 and check:
        # the run's parameters land in params.yaml: compare them with what was asked
        stray = stray_params(before, asked, yaml.safe_load(params.read_text()))
        if stray:
            sys.exit(f"error: the experiment ran with parameters neither params.yaml nor {args.profile} "
                     f"set:\n{_lines(stray, 'expected', 'the run used')}\nits results are not this profile's: "
                     "check its row in `dvc exp show`; `git checkout HEAD -- params.yaml` restores the "
                     "committed parameters")
    sys.exit(code)


if __name__ == "__main__":
    main()
