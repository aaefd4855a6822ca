"""Training: the CycleGAN and its step (cyclegan), batches, one epoch (epoch), the resumable phase (phase), data parallelism (parallel, distributed), checkpoints and image pools."""
