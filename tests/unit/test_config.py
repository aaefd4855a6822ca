"""The typed recipe: the paper's defaults, and every bad key or value named before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from nircolor.config import Config, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_the_papers_recipe():
    cfg = Config()
    assert (cfg.loss.lambda_cycle, cfg.loss.lambda_pair, cfg.loss.gan_mode) == (100, 60, "vanilla")
    assert (cfg.schedule.phase1, cfg.schedule.phase2, cfg.schedule.phase3) == (250, 300, 250)
    assert cfg.schedule.start_of("phase3") == 550
    assert (cfg.model.image_size, cfg.model.ngf, cfg.model.ndf) == (256, 64, 64)
    assert (cfg.optim.lr, cfg.optim.beta1, cfg.train.pool_size) == (2e-4, 0.5, 50)
    assert round(cfg.augment.crop_fraction * 256) == 200 and cfg.augment.p_contrast_crop == 0.8


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("loss:\n  lambda_pari: 60\n", "loss.lambda_pari"),
        ("trian:\n  seed: 1\n", "trian"),
        ("schedule:\n  phase4: 3\n", "schedule.phase4"),
        ("optim:\n  lr: -1\n", "optim.lr"),
        ("model:\n  image_size: 100\n", "model.image_size"),
        ("loss:\n  gan_mode: wgan\n", "loss.gan_mode"),
        ("augment:\n  contrast_range: [1.5, 0.5]\n", "augment.contrast_range"),
        ("train:\n  batch_size: two\n", "train.batch_size"),
    ],
)
def test_bad_params_file_names_the_key(tmp_path, yaml_text, key):
    path = tmp_path / "params.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert key in str(info.value) and str(path) in str(info.value)


def test_every_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("optim:\n  lr: 0\nmodel:\n  ngf: 0\n")
    msg = str(pytest.raises(ConfigError, load_config, path).value)
    assert "optim.lr" in msg and "model.ngf" in msg


def test_overrides_apply_and_are_validated(tmp_path):
    cfg = load_config(None, {"loss.lambda_pair": 30, "schedule.phase1": 5})
    assert cfg.loss.lambda_pair == 30 and cfg.schedule.phase1 == 5
    with pytest.raises(ConfigError, match="model.ngf"):
        load_config(None, {"model.ngf": -3})
    with pytest.raises(ConfigError, match="train.seed"):
        load_config(None, {"train.seed.x": 1})


def test_not_yaml_or_not_a_mapping(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("loss: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(path)


def test_config_is_frozen():
    cfg = Config()
    with pytest.raises(Exception):
        cfg.loss.lambda_pair = 1.0  # type: ignore[misc]


def test_params_yaml_is_the_schemas_defaults_plus_its_variants():
    """One home per default: the recipe file and the schema agree on every value (params.yaml adds
    only variants), so `load_config(None)` trains what `dvc repro` trains."""
    recipe = load_config(REPO / "params.yaml").model_dump(mode="json")
    defaults = Config().model_dump(mode="json")
    recipe.pop("variants"), defaults.pop("variants")
    assert recipe == defaults
    assert Config().train.checkpoint_every == 50 and Config().train.val_every == 10


def test_apply_overrides_and_load_profile(tmp_path):
    from nircolor.config import apply_overrides, load_profile, parse_config

    tree = {"train": {"seed": 1}}
    assert apply_overrides(tree, {"train.batch_size": 4, "model.ngf": 8}) is tree
    assert tree == {"train": {"seed": 1, "batch_size": 4}, "model": {"ngf": 8}}
    assert parse_config(tree).train.batch_size == 4
    with pytest.raises(ConfigError, match="train.seed is not a section"):
        apply_overrides(tree, {"train.seed.x": 1})
    profile = tmp_path / "p.yaml"
    profile.write_text("schedule.phase1: 3\ntrain.compile: true\n")
    assert load_profile(profile) == {"schedule.phase1": 3, "train.compile": True}
    assert load_config(None, load_profile(profile)).schedule.phase1 == 3
    profile.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="maps dotted keys"):
        load_profile(profile)
    profile.write_text("")
    assert load_profile(profile) == {}


def test_a_setting_the_variants_own_overrides_undo_is_named():
    """`--set loss.lambda_ssim=0` with params.yaml leaves dense_plus at its own 60: the message names
    that, and the key that does reach it; a setting the variant agrees with, or sets itself, is quiet."""
    from nircolor.config import shadowed_settings

    settings = {"loss.lambda_ssim": 0, "loss.lambda_pair": 60, "model.ngf": 8}
    cfg = load_config(REPO / "params.yaml", settings)
    (message,) = shadowed_settings(cfg, settings, ["dense_plus"])
    assert message.startswith("loss.lambda_ssim=0 does not reach variant 'dense_plus'")
    assert "loss.lambda_ssim: 60.0" in message
    assert "variants.dense_plus.overrides.loss.lambda_ssim" in message
    assert cfg.for_variant("dense_plus").loss.lambda_ssim == 60.0  # what the message says
    assert shadowed_settings(cfg, settings, ["baseline"]) == []  # no overrides: the setting applies
    assert cfg.for_variant("baseline").loss.lambda_ssim == 0
    through = {**settings, "variants.dense_plus.overrides.loss.lambda_ssim": 0}
    cfg = load_config(REPO / "params.yaml", through)
    assert shadowed_settings(cfg, through) == []
    assert cfg.for_variant("dense_plus").loss.lambda_ssim == 0


def test_cutmix_without_a_second_pair_in_the_batch_is_refused():
    with pytest.raises(ConfigError, match="p_cutmix"):
        load_config(None, {"augment.p_cutmix": 0.5, "train.batch_size": 1})
    cfg = load_config(None, {"augment.p_cutmix": 0.5, "train.batch_size": 2})
    assert cfg.augment.p_cutmix == 0.5 and load_config(None, {"train.batch_size": 1}).augment.p_cutmix == 0.0
