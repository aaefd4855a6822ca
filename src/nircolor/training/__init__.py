"""Training: the three-phase CycleGAN trainer, its checkpoints and image pools."""
