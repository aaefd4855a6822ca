"""nircolor: NIR-to-RGB colorization after the VCIP 2020 Grand Challenge method (dense-UNet CycleGAN)."""

__version__ = "0.1.0"
