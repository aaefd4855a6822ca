"""Data access: decoding images, validating the VCIP 2020 layout, and generating synthetic stand-ins."""

from nircolor.data.io import IMAGE_EXTENSIONS, ImageError, ImageInfo, probe_image, read_image, write_png
from nircolor.data.layout import (
    EXPECTED_LAYOUT,
    DatasetError,
    DatasetIndex,
    Pair,
    Problem,
    load_pairs,
    load_rgb,
)
from nircolor.data.scenes import render_scene
from nircolor.data.synth import SYNTH_VERSION, write_synthetic
from nircolor.data.validate import validate_dataset

__all__ = [
    "EXPECTED_LAYOUT",
    "IMAGE_EXTENSIONS",
    "SYNTH_VERSION",
    "DatasetError",
    "DatasetIndex",
    "ImageError",
    "ImageInfo",
    "Pair",
    "Problem",
    "load_pairs",
    "load_rgb",
    "probe_image",
    "read_image",
    "render_scene",
    "validate_dataset",
    "write_png",
    "write_synthetic",
]
