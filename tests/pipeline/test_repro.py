"""End to end through DVC on the tiny profile: stages run as Prefect flows, MLflow gets runs and aliases,
a second `dvc repro` does nothing, and parameter changes rerun only what they touch."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import torch

from nircolor.calibrate import CHROMA_GRID, choose_scale
from nircolor.config import _set_dotted, load_config
from nircolor.training.checkpoint import load_checkpoint
from tests.pipeline._project import make_project, prefect_server, project_env
from tests.pipeline._project import run as _run

VARIANTS = ("baseline", "dense", "dense_plus")  # params.yaml: variants
PHASES = ("phase1", "phase2", "phase3")


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """One Prefect server for every stage of the run (no temporary server per flow)."""
    with prefect_server(tmp_path_factory.mktemp("servers")) as api:
        yield api


@pytest.fixture(scope="module")
def project(tmp_path_factory, prefect_api):
    root = tmp_path_factory.mktemp("proj")
    env = project_env(root, prefect_api)
    # 10 pairs: the tiny profile trains on 8 (ingest.limit_pairs) and 2 are held out for the saturation scale
    make_project(root, env, ["--pairs", "10", "--unpaired", "4", "--val", "2", "--size", "32"],
                 {"ingest.holdout_pairs": 2})
    first = _run(["dvc", "repro"], root, env, timeout=900)
    return root, env, first


def test_repro_builds_every_output(project):
    root, _, first = project
    art = root / "artifacts"
    assert "Running stage 'compare'" in first.stdout
    for v in VARIANTS:
        for p in PHASES:
            assert (art / "checkpoints" / v / f"{p}.pt").is_file()
            assert (art / "plots" / v / f"{p}.csv").is_file()
            curve = pd.read_csv(art / "plots" / v / f"val_{p}.csv")  # train.val_every = 1 (tiny)
            assert list(curve.columns) == ["epoch", "psnr", "ssim", "ae"] and len(curve) == 2
        assert len(list((art / "eval" / v / "images").glob("*.png"))) == 2
        evaluated = json.loads((art / "eval" / v / "evaluate.json").read_text())
        assert evaluated["scored_px"] == 32 and evaluated["heldout_pairs"] == 2
        assert evaluated["chroma_fit_on"] == "heldout" and evaluated["chroma_pairs"] == 2  # evaluate.chroma_fit
        # evaluate scored (and registered) phase 3's weights with the scale fit on the 2 held-out pairs
        final, trained = load_checkpoint(art / "checkpoints" / v / "final.pt"), load_checkpoint(art / "checkpoints" / v / "phase3.pt")
        fit = pd.read_csv(art / "eval" / v / "chroma_fit.csv")
        assert list(fit["chroma_scale"]) == list(CHROMA_GRID)
        assert final["config"]["model"]["chroma_scale"] == evaluated["chroma_scale"] == choose_scale(fit)
        assert trained["config"]["model"]["chroma_scale"] == 1.0
        weights = trained["models"]["g_nir2rgb"]
        assert all(torch.equal(final["models"]["g_nir2rgb"][k], w) for k, w in weights.items())
        assert len(final["chroma_fit"]["heldout_stems"]) == 2
    table = (art / "reports" / "table1.md").read_text()
    assert "SYNTHETIC" in table and "baseline/psnr" in table and "dense_plus/psnr" in table
    # the floors, their rows and columns, intervals and win counts
    assert "lookup (reference, no training)" in table and "gray (reference, no training)" in table
    assert "lookup/psnr" in table and "gray/ae" in table and "trained at 32 px, scored at 32 px" in table
    assert table.count("(fit on 2 held-out pairs)") == 3  # each variant's line names its saturation scale
    assert "dense − baseline, PSNR" in table and "dense_plus − lookup, AE" in table and "wins" in table
    assert "champion: " in table
    comparisons = pd.read_csv(art / "reports" / "comparisons.csv")
    assert len(comparisons) == 3 * (3 + 3)  # 3 variant pairs + 3 variants vs lookup, 3 metrics each
    metrics = json.loads((art / "metrics" / "compare.json").read_text())
    assert set(metrics["averages"]) == {*VARIANTS, "gray", "lookup"}
    assert set(metrics["beats_lookup"]) == set(VARIANTS)
    assert set(metrics["vs_paper"]) == {f"{v}_vs_paper_dense" for v in VARIANTS}  # every variant against the paper
    html = (art / "reports" / "report.html").read_text()
    assert "data:image/png;base64," in html and "paper (VCIP 2020 Table I)" in html
    assert "dense_plus − paper dense, PSNR" in html and "dense_plus − paper dense, PSNR" in table  # the paper's row
    assert (art / "augment" / "augmentation.json").is_file() and (art / "augment" / "preview.png").is_file()
    ingest = json.loads((art / "metrics" / "ingest.json").read_text())
    assert ingest["train_pairs"] == 8 and ingest["validation_pairs"] == 2 and ingest["synthetic"]
    assert ingest["heldout_pairs"] == 2
    assert not any(p.is_relative_to(root / "data") for p in art.rglob("*"))


def test_plots_show_draws_the_validation_curve_and_the_images(project):
    """`dvc plots show` renders the validation PSNR of every variant in one chart, the colorized
    validation images of each variant and the Fig. 3 grid (HTML and its JSON description)."""
    root, env, _ = project
    report = json.loads(_run(["dvc", "plots", "show", "--json"], root, env).stdout)
    assert not report.get("errors"), report["errors"]
    shown = report["data"]  # renderer name → what it draws
    curve = next((k for k in shown if "validation PSNR" in k), None)  # DVC 3 ids: "dvc.yaml::<title>"
    assert curve is not None, list(shown)
    drawn = json.dumps(shown[curve])
    assert shown[curve][0]["type"] == "vega" and '"psnr"' in drawn and '"epoch"' in drawn
    images = [k for k in shown if k.endswith(".png")]
    for v in VARIANTS:
        assert sum(f"eval/{v}/images/" in k for k in images) == 2, images
    assert any(k.endswith("reports/fig3.png") for k in images)
    out = root / "plots_html"
    _run(["dvc", "plots", "show", "-o", str(out)], root, env)
    page = (out / "index.html").read_text()
    assert "validation PSNR" in page and "fig3.png" in page


def test_second_repro_does_nothing(project):
    root, env, _ = project
    again = _run(["dvc", "repro"], root, env)
    assert "Data and pipelines are up to date" in again.stdout
    assert "Running stage" not in again.stdout


def _changed_stages(root: Path, env: dict, edit) -> set[str]:
    path = root / "params.yaml"
    original = path.read_text()
    params = yaml.safe_load(original)
    edit(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    try:
        out = _run(["dvc", "status", "--json"], root, env).stdout
        return set(json.loads(out))
    finally:
        path.write_text(original)


def test_lambda_pair_reruns_training_not_ingest(project):
    root, env, _ = project
    changed = _changed_stages(root, env, lambda p: _set_dotted(p, "loss.lambda_pair", 30.0))
    assert changed == {f"{ph}@{v}" for ph in PHASES for v in VARIANTS}  # evaluate/compare follow via deps


def test_one_variants_override_reruns_only_that_variant(project):
    root, env, _ = project
    changed = _changed_stages(
        root, env, lambda p: _set_dotted(p, "variants.dense.overrides", {"loss": {"lambda_pair": 30.0}})
    )
    assert changed == {"phase1@dense", "phase2@dense", "phase3@dense", "evaluate@dense", "compare"}


def test_mlflow_holds_parent_and_phase_runs_tables_and_aliases(project):
    root, env, _ = project
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    exp = client.get_experiment_by_name("nir-colorization")
    runs = client.search_runs([exp.experiment_id], max_results=200)
    for v in VARIANTS:
        parents = [r for r in runs if r.data.tags.get("variant") == v and "mlflow.parentRunId" not in r.data.tags]
        assert len(parents) == 1, f"{v}: {len(parents)} parent runs"
        parent = parents[0]
        children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
        assert sorted(r.data.tags["phase"] for r in children) == list(PHASES)
        loss = load_config(root / "params.yaml").for_variant(v).loss  # the variant's own weights
        for child in children:
            assert float(child.data.params["loss.lambda_cycle"]) == loss.lambda_cycle
            assert float(child.data.params["loss.lambda_pair"]) == loss.lambda_pair
            assert child.data.tags["git_commit"] != "unknown" and child.data.tags["data_digest"] != "untracked"
            history = client.get_metric_history(child.info.run_id, "train/loss_g")
            assert [m.step for m in history] == {"phase1": [1, 2], "phase2": [3, 4], "phase3": [5, 6]}[
                child.data.tags["phase"]
            ]
        assert {"val/psnr", "val/ssim", "val/ae"} <= set(parent.data.metrics)
        assert {"ref/lookup/psnr", "ref/gray/ae"} <= set(parent.data.metrics)
        assert "beats_lookup_on" in parent.data.tags
        curve = {c.data.tags["phase"]: client.get_metric_history(c.info.run_id, "val/psnr") for c in children}
        assert [m.step for m in curve["phase3"]] == [5, 6]  # by global epoch
        artifacts = [a.path for a in client.list_artifacts(parent.info.run_id, "eval")]
        assert any(a.endswith(f"{v}_table1.json") for a in artifacts)
        assert "eval/fig3.png" in artifacts
    aliases = {a: client.get_model_version_by_alias("nir-colorizer", a) for a in ("baseline", "dense", "champion")}
    assert aliases["baseline"].version != aliases["dense"].version
    aliases["dense_plus"] = client.get_model_version_by_alias("nir-colorizer", "dense_plus")
    assert aliases["champion"].version in {aliases[v].version for v in VARIANTS}


def test_prefect_recorded_every_stage_with_tags(project, prefect_api):
    import asyncio

    from prefect.client.orchestration import PrefectClient

    async def flow_runs():
        # an explicit client: prefect's settings in this process were loaded before the server began
        async with PrefectClient(api=prefect_api) as client:
            runs = await client.read_flow_runs(limit=200)
            flows = {f.id: f.name for f in await client.read_flows(limit=50)}
            return [(flows[r.flow_id], r.name, set(r.tags), r.state_type.value) for r in runs]

    runs = asyncio.run(flow_runs())
    names = sorted(n for n, *_ in runs)
    assert names == sorted(["ingest", "augment", "compare"] + ["train-phase"] * 9 + ["evaluate"] * 3)
    assert all(state == "COMPLETED" for *_, state in runs), [(f, n, st) for f, n, _, st in runs]
    dense_phase2 = [tags for f, name, tags, _ in runs if f == "train-phase" and name == "dense-phase2"]
    assert dense_phase2 and {"variant:dense", "phase:phase2", "dvc_experiment:workspace"} <= dense_phase2[0]


def test_compare_any_two_registered_versions(project, monkeypatch):
    root, env, _ = project
    from flows.ops.compare_registered import compare, compare_groups

    monkeypatch.setenv("MLFLOW_TRACKING_URI", env["MLFLOW_TRACKING_URI"])
    md = compare("baseline", "dense", str(root / "artifacts" / "packed"), device="cpu")
    assert "| average |" in md and "baseline: baseline = v" in md and "dense: dense = v" in md
    assert "lookup (reference, no training)" in md and "[" in md  # floors and intervals
    # the same numbers as the pipeline's own evaluate stage (same inference rule, same scoring)
    table = pd.read_csv(root / "artifacts" / "reports" / "table1.csv").set_index("image")
    row = next(line for line in md.splitlines() if line.startswith("| average |"))
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    want = [f"{table.loc['average', f'{v}/{m}']:{fmt}}" for v in ("baseline", "dense")
            for m, fmt in (("psnr", ".2f"), ("ssim", ".3f"), ("ae", ".2f"))]
    assert cells == want
    from flows.registry.load import load_registered

    _, meta = load_registered(env["MLFLOW_TRACKING_URI"], "nir-colorizer", "dense")  # the registry holds the fitted scale
    fitted = json.loads((root / "artifacts" / "eval" / "dense" / "evaluate.json").read_text())["chroma_scale"]
    assert meta["chroma_scale"] == fitted
    assert (f"colour × {fitted:g})" in md) == (fitted != 1.0)  # and the comparison names it
    by_number = compare("1", "champion", str(root / "artifacts" / "packed"), device="cpu")
    assert "1: 1 = v1" in by_number
    seeds = compare_groups({"a": ["1", "baseline"], "b": ["dense"]}, str(root / "artifacts" / "packed"), device="cpu")
    assert "(2 runs)" in seeds and " ± " in seeds and "× up to 2 runs" in seeds


def test_fast_path_and_torchrun_run_through_the_same_pipeline(project):
    """The fast-path switches and `train.nproc: 2` are params like any other: `dvc repro` reruns
    the dense chain only, each phase runs as 2 torchrun processes, and every output is there.
    (Last in the module: it leaves the project on the new params.)"""
    root, env, _ = project
    fast = {"train": {"precision": "bf16", "channels_last": True, "data_on_device": True, "nproc": 2,
                      "num_threads": 1}}  # fmt: skip
    path = root / "params.yaml"
    params = yaml.safe_load(path.read_text())
    _set_dotted(params, "variants.dense.overrides", fast)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    out = _run(["dvc", "repro"], root, env, timeout=900)
    ran = {line.split("'")[1] for line in out.stdout.splitlines() if line.startswith("Running stage")}
    assert ran == {"phase1@dense", "phase2@dense", "phase3@dense", "evaluate@dense", "compare"}, ran
    state = load_checkpoint(root / "artifacts" / "checkpoints" / "dense" / "phase3.pt")
    assert state["complete"] and state["config"]["train"]["precision"] == "bf16"
    assert state["config"]["train"]["nproc"] == 2
    metrics = json.loads((root / "artifacts" / "metrics" / "dense" / "phase1.json").read_text())
    assert metrics["epochs"] == 2 and metrics["lost_epochs"] == 0
    assert (root / "artifacts" / "reports" / "table1.md").is_file()
    assert "Data and pipelines are up to date" in _run(["dvc", "repro"], root, env).stdout
