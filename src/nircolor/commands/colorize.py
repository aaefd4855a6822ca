"""`nircolor colorize`: colorize NIR images with a trained checkpoint, naming every unusable input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _collect_inputs(paths: list[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Image files named directly or found directly in named folders; (files, [(path, why unusable)])."""
    from nircolor.data.io import IMAGE_EXTENSIONS, access_problem

    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        reason = access_problem(p)
        if reason is not None:
            problems.append((p, "no such file or folder" if reason == "does not exist" else reason))
        elif p.is_dir():
            try:
                entries = sorted(p.iterdir())
            except OSError as exc:
                why = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
                problems.append((p, f"cannot list the folder ({why})"))
                continue
            # Hidden files (macOS ._x.png forks, editor temporaries) are never images to colorize.
            found = [f for f in entries if f.suffix.lower() in IMAGE_EXTENSIONS and not f.name.startswith(".")]
            if not found:
                subdirs = [f.name for f in entries if f.is_dir()][:4]
                hint = f"; subfolders are not searched (it has {', '.join(subdirs)}): name them" if subdirs else ""
                problems.append((p, f"folder holds no images ({', '.join(sorted(IMAGE_EXTENSIONS))}){hint}"))
            files.extend(found)
        else:
            files.append(p)
    unique = list(dict.fromkeys(files))  # a file named twice (itself and via its folder) is done once
    return unique, problems


def _output_name(f: Path) -> str:
    return f.stem.removesuffix("_nir") + "_rgb.png"


def _claim_outputs(files: list[Path]) -> tuple[dict[Path, str], list[tuple[Path, str]]]:
    """Output name per input; inputs whose names collide (x_nir.png and x_nir.jpg → x_rgb.png) are refused,
    since one output would silently overwrite the other."""
    by_name: dict[str, list[Path]] = {}
    for f in files:
        by_name.setdefault(_output_name(f), []).append(f)
    names, problems = {}, []
    for name, group in by_name.items():
        if len(group) == 1:
            names[group[0]] = name
            continue
        for f in group:
            others = ", ".join(str(o) for o in group if o != f)
            problems.append((f, f"would be written to the same {name} as {others}; rename one of them"))
    return names, problems


def _scored_sibling_note(checkpoint: Path, chroma_scale: float) -> str | None:
    """A phase checkpoint beside the run's final.pt (what evaluate scored and registered: the same weights with
    the saturation scale fit on training pairs) colours differently from the table: say so, and which to use."""
    final = checkpoint.parent / "final.pt"
    if checkpoint.name == "final.pt" or not final.is_file():
        return None
    from nircolor.training.checkpoint import CheckpointError, load_checkpoint

    try:
        state = load_checkpoint(final)
        theirs = float(state["config"]["model"].get("chroma_scale", 1.0))
    except (CheckpointError, KeyError, TypeError, ValueError):
        return None
    if theirs == chroma_scale:
        return None
    fit_on = (state.get("chroma_fit") or {}).get("fit_on", "heldout")  # older fits: held-out pairs only
    where = "pairs it trained on" if fit_on == "train" else "held-out pairs"
    return (f"note: {final} is what evaluate scored (Table I) and registered, with chroma_scale {theirs:g} fit on "
            f"{where}; {checkpoint.name} colours at {chroma_scale:g}. Pass --checkpoint {final} for Table I's colours")


def cmd_colorize(args: argparse.Namespace) -> int:
    """Colorize every usable input; list each unusable one on its own line and exit 1 if there was any.

    Good inputs are colorized even when others in the same call fail (a batch is not held hostage
    by one bad file). Each output is written atomically (temporary file, then rename), so an
    output file that exists is complete; a failed input leaves no file behind.
    """
    from tqdm.auto import tqdm

    from nircolor.data.io import (
        ImageError,
        display_path,
        probe_image,
        read_image,
        write_png,
    )
    from nircolor.device import resolve_device
    from nircolor.inference import (
        InputTooLarge,
        colorize_array,
        infer_size_problem,
        load_generator,
    )
    from nircolor.training.checkpoint import CheckpointError

    def fail(path: Path, reason: str) -> None:
        failed.append(path)
        # tqdm.write: a line of its own even while the progress bar is drawn
        tqdm.write(f"nircolor colorize: {display_path(path)}: {reason}", file=sys.stderr)

    failed: list[Path] = []
    files, problems = _collect_inputs(args.inputs)
    names, collisions = _claim_outputs(files)
    for path, reason in problems + collisions:
        fail(path, reason)
    todo = []
    for f in names:  # headers first (cheap): size limits, mode and alpha refused before any decoding
        try:
            info = probe_image(f, "nir")
        except ImageError as err:
            fail(f, err.reason)
            continue
        too_large = infer_size_problem(*info.size)
        if too_large is not None:
            fail(f, too_large)
        else:
            todo.append(f)
    total = len(failed) + len(todo)
    if not todo:
        print(f"nircolor colorize: none of the {total} input(s) can be colorized; nothing written", file=sys.stderr)
        return 1
    try:
        device = resolve_device(args.device)
        g, meta = load_generator(args.checkpoint, device)
    except (CheckpointError, RuntimeError) as err:
        print(f"nircolor colorize: {err}", file=sys.stderr)
        return 1
    note = _scored_sibling_note(Path(args.checkpoint), float(meta["chroma_scale"]))
    if note:
        print(f"nircolor colorize: {note}", file=sys.stderr)
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"nircolor colorize: {out}: cannot create the output folder ({exc.strerror or exc})", file=sys.stderr)
        return 1
    done = 0
    for f in tqdm(todo, desc="colorize", unit="img", disable=len(todo) < 2):
        try:
            rgb = colorize_array(g, read_image(f, "nir"), device)
            write_png(out / names[f], rgb)
            done += 1
        except ImageError as err:  # truncated or corrupt pixel data: only decoding finds it
            fail(f, err.reason)
        except InputTooLarge as err:
            fail(f, str(err))
        except MemoryError:
            fail(f, "not enough memory to colorize an image this large; crop or downscale it")
        except RuntimeError as err:  # torch: out of (GPU) memory and the like
            fail(f, f"the generator failed on it ({str(err).splitlines()[0]})")
        except OSError as exc:
            fail(out / names[f], f"cannot write the output ({exc.strerror or exc})")
    what = f"{meta['variant']} ({meta['phase']}, epoch {meta['epoch']})"
    print(f"colorized {done} of {total} image(s) into {out} with {what}")
    if failed:
        print(
            f"nircolor colorize: {len(failed)} of {total} input(s) failed (listed above); "
            f"the other {done} were written", file=sys.stderr,
        )  # fmt: skip
        return 1
    return 0
