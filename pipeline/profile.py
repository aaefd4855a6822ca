"""Turn a profile (profiles/<name>.yaml: dotted key → value) into `dvc exp run -S` arguments."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import yaml

from nircolor.config import load_config, load_profile


def set_args(profile: Path, params: Path = Path("params.yaml")) -> list[str]:
    """`-S key=value` pairs, validated against the schema first (a typo fails here, not mid-run)."""
    overrides = load_profile(profile)
    load_config(params, overrides)
    out: list[str] = []
    for key, value in overrides.items():
        out += ["-S", f"{key}={yaml.safe_dump(value, default_flow_style=True).strip().removesuffix('...').strip()}"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("profile", type=Path)
    args = ap.parse_args()
    print(shlex.join(set_args(args.profile)))


if __name__ == "__main__":
    main()
