"""Generator and discriminator shape, size, init and reference-equivalence checks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nircolor.models import (
    DenseUNetGenerator,
    PatchDiscriminator,
    UNetGenerator,
    build_discriminator,
    build_generator,
    count_parameters,
)


# --- the reference, for equivalence only -------------------------------------------------------
# A compact copy of junyanz/pytorch-CycleGAN-and-pix2pix UnetGenerator/UnetSkipConnectionBlock
# (recursive, in-place activations) with InstanceNorm, so the explicit-list rewrite can be pinned
# to it numerically.
class _RefBlock(nn.Module):
    def __init__(
        self, outer, inner, input_nc=None, sub=None, outermost=False, innermost=False, dropout=False
    ):
        super().__init__()
        self.outermost = outermost
        input_nc = outer if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=True)
        downrelu, downnorm = nn.LeakyReLU(0.2, True), nn.InstanceNorm2d(inner)
        uprelu, upnorm = nn.ReLU(True), nn.InstanceNorm2d(outer)
        if outermost:
            model = [downconv, sub, uprelu, nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            model = [downrelu, downconv, uprelu, nn.ConvTranspose2d(inner, outer, 4, 2, 1), upnorm]
        else:
            up = [uprelu, nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), upnorm]
            model = [downrelu, downconv, downnorm, sub] + up + ([nn.Dropout(0.5)] if dropout else [])
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def _reference_unet(input_nc, output_nc, num_downs, ngf):
    block = _RefBlock(ngf * 8, ngf * 8, innermost=True)
    for _ in range(num_downs - 5):
        block = _RefBlock(ngf * 8, ngf * 8, sub=block)
    block = _RefBlock(ngf * 4, ngf * 8, sub=block)
    block = _RefBlock(ngf * 2, ngf * 4, sub=block)
    block = _RefBlock(ngf, ngf * 2, sub=block)
    return _RefBlock(output_nc, ngf, input_nc=input_nc, sub=block, outermost=True)


# --- parameter counts --------------------------------------------------------------------------
def test_baseline_generator_parameter_count():
    assert count_parameters(build_generator("baseline", 1, 3)) == 54_407_555


def test_dense_generator_parameter_count():
    assert count_parameters(build_generator("dense", 1, 3)) == 54_968_707


def test_discriminator_parameter_count():
    assert count_parameters(build_discriminator(3)) == 2_764_737


def test_count_parameters_trainable_only():
    d = build_discriminator(1, ndf=4)
    d.model[0].weight.requires_grad_(False)
    assert count_parameters(d, trainable_only=True) == count_parameters(d) - d.model[0].weight.numel()


# --- structure ----------------------------------------------------------------------------------
@pytest.mark.parametrize("image_size", [32, 64, 128])
@pytest.mark.parametrize("variant", ["baseline", "dense"])
@pytest.mark.parametrize(("c_in", "c_out"), [(1, 3), (3, 1)])
def test_generator_output_shape_and_range(image_size, variant, c_in, c_out):
    torch.manual_seed(0)
    g = build_generator(variant, c_in, c_out, ngf=4, image_size=image_size)
    assert g.size_multiple == image_size
    out = g(torch.rand(2, c_in, image_size, image_size) * 2 - 1)
    assert out.shape == (2, c_out, image_size, image_size)
    assert out.abs().max() <= 1.0
    assert out.std() > 0


def test_generator_accepts_multiples_of_size_multiple():
    g = build_generator("dense", 1, 3, ngf=4, image_size=32)
    assert g(torch.rand(1, 1, 64, 96)).shape == (1, 3, 64, 96)
    with pytest.raises(ValueError, match="multiples of 32"):
        g(torch.rand(1, 1, 48, 48))


def test_baseline_matches_reference_unet():
    torch.manual_seed(0)
    ours = build_generator("baseline", 1, 3, ngf=8, image_size=64).eval()
    ref = _reference_unet(1, 3, num_downs=6, ngf=8).eval()
    ours_params, ref_params = list(ours.parameters()), list(ref.parameters())
    assert [p.shape for p in ours_params] == [p.shape for p in ref_params]
    with torch.no_grad():
        for p, q in zip(ours_params, ref_params):
            q.copy_(p)
        x = torch.rand(2, 1, 64, 64) * 2 - 1
        torch.testing.assert_close(ours(x), ref(x.clone()), rtol=1e-5, atol=1e-6)


def _block_inputs(g: UNetGenerator, x: torch.Tensor) -> dict[int, int]:
    """Channels each decoder block actually receives, by the level it produces."""
    seen: dict[int, int] = {}
    handles = [
        up.register_forward_pre_hook(lambda m, args, k=k: seen.__setitem__(k, args[0].shape[1]))
        for k, up in zip(g.up_levels, g.ups)
    ]
    g(x)
    for h in handles:
        h.remove()
    return seen


@pytest.mark.parametrize("image_size", [32, 64])
def test_dense_links_widen_the_two_outermost_decoder_blocks(image_size):
    ngf = 4
    x = torch.rand(1, 1, image_size, image_size)
    base = _block_inputs(build_generator("baseline", 1, 3, ngf=ngf, image_size=image_size), x)
    dense = _block_inputs(build_generator("dense", 1, 3, ngf=ngf, image_size=image_size), x)
    assert base[1] == 4 * ngf and base[0] == 2 * ngf
    assert dense[1] == 12 * ngf  # x2 + up4(y4) + y2
    assert dense[0] == 14 * ngf  # x1 + up8(y4) + up4(y3) + y1
    assert {k: v for k, v in dense.items() if k > 1} == {k: v for k, v in base.items() if k > 1}


def test_dense_output_depends_on_y4_through_the_links():
    torch.manual_seed(0)
    g = build_generator("dense", 1, 3, ngf=4, image_size=32)
    y4_block = g.ups[g.up_levels.index(4)]
    captured = {}
    y4_block.register_forward_hook(lambda m, args, out: captured.__setitem__("y4", out))
    g(torch.rand(1, 1, 32, 32)).sum().backward()
    # The link's weights in the output block (channels after x1) must receive gradient.
    out_conv = g.ups[-1][1]
    link = out_conv.weight.grad[g.ngf : g.ngf + 8 * g.ngf]
    assert captured["y4"].shape[1] == 8 * g.ngf
    assert link.abs().sum() > 0


def test_dense_subclass_is_the_dense_variant():
    a = DenseUNetGenerator(1, 3, ngf=4, image_size=32)
    b = build_generator("dense", 1, 3, ngf=4, image_size=32)
    assert a.dense and count_parameters(a) == count_parameters(b)


def test_init_std():
    torch.manual_seed(0)
    g = build_generator("dense", 1, 3, ngf=16, image_size=32, init_std=0.02)
    d = build_discriminator(3, ndf=16)
    convs = [m for m in [*g.modules(), *d.modules()] if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert weights.std().item() == pytest.approx(0.02, rel=0.02)
    assert abs(weights.mean().item()) < 1e-3
    assert all(m.bias.abs().max() == 0 for m in convs)
    wide = build_discriminator(3, ndf=16, init_std=0.1)
    assert wide.model[0].weight.std().item() == pytest.approx(0.1, rel=0.1)


def test_invalid_variant_raises():
    with pytest.raises(ValueError, match="variant must be 'baseline' or 'dense'"):
        build_generator("densenet", 1, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [16, 48, 100, 0])
def test_invalid_image_size_raises(size):
    with pytest.raises(ValueError, match="power of two >= 32"):
        build_generator("baseline", 1, 3, ngf=4, image_size=size)


def test_dropout_flag_adds_dropout_to_middle_blocks():
    def n_dropout(m):
        return sum(isinstance(x, nn.Dropout) for x in m.modules())

    assert n_dropout(build_generator("baseline", 1, 3, ngf=2, image_size=256)) == 0
    assert n_dropout(build_generator("baseline", 1, 3, ngf=2, image_size=256, dropout=True)) == 3
    assert n_dropout(build_generator("dense", 1, 3, ngf=2, image_size=64, dropout=True)) == 1
    assert n_dropout(build_generator("dense", 1, 3, ngf=2, image_size=32, dropout=True)) == 0


def test_discriminator_map_size():
    d = build_discriminator(3, ndf=8)
    assert isinstance(d, PatchDiscriminator)
    assert d(torch.rand(1, 3, 256, 256)).shape == (1, 1, 30, 30)
    assert d(torch.rand(2, 3, 32, 32)).shape == (2, 1, 2, 2)
    assert build_discriminator(1, ndf=8)(torch.rand(1, 1, 64, 64)).shape == (1, 1, 6, 6)


@pytest.mark.parametrize("shape,size", [((2, 8, 16, 16), (128, 128)), ((1, 4, 32, 32), (64, 64)),
                                        ((2, 3, 5, 7), (12, 9)), ((1, 2, 4, 4), (4, 4))])  # fmt: skip
def test_matmul_bilinear_upsampling_equals_interpolate(shape, size):
    """The dense links' upsampling (two matmuls) is F.interpolate's bilinear, forward and backward."""
    import torch.nn.functional as F

    from nircolor.models.unet import upsample_bilinear

    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    ours = upsample_bilinear(x, size)
    ref = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    assert torch.allclose(ours, ref, atol=1e-12)
    g = torch.randn_like(ref)
    (ga,) = torch.autograd.grad(ours, x, g)
    (gb,) = torch.autograd.grad(ref, x, g)
    assert torch.allclose(ga, gb, atol=1e-12)


# --- model.global_colour: a per-image colour offset from the bottleneck (beyond the paper) -------
def test_global_colour_starts_as_the_paper_generator():
    """Same seed, same draws: the paper's weights, a zero offset conv, the same output."""
    torch.manual_seed(0)
    paper = build_generator("dense", 1, 3, ngf=4, image_size=64)
    torch.manual_seed(0)
    plus = build_generator("dense", 1, 3, ngf=4, image_size=64, global_colour=True)
    assert paper.global_colour is None and plus.global_colour is not None
    extra = set(plus.state_dict()) - set(paper.state_dict())
    assert extra == {"global_colour.weight", "global_colour.bias"}
    for k, v in paper.state_dict().items():
        assert torch.equal(v, plus.state_dict()[k])
    assert plus.global_colour.weight.abs().max() == 0 and plus.global_colour.bias.abs().max() == 0
    x = torch.randn(2, 1, 64, 64)
    assert torch.equal(paper(x), plus(x))


def test_global_colour_adds_each_images_own_offset_before_tanh():
    """out = tanh(pre + W·mean(z) + b), z the bottleneck of that image; checked by hand."""
    torch.manual_seed(0)
    paper = build_generator("baseline", 1, 3, ngf=4, image_size=64)
    torch.manual_seed(0)
    plus = build_generator("baseline", 1, 3, ngf=4, image_size=64, global_colour=True)
    with torch.no_grad():
        plus.global_colour.weight.copy_(torch.randn(3, plus.global_colour.in_channels, 1, 1))
        plus.global_colour.bias.copy_(torch.tensor([0.3, -0.2, 0.1]))
    x = torch.randn(2, 1, 128, 64)  # the bottleneck is then 2×1: the offset averages over it
    z = x
    for down in plus.downs:
        z = down(z)
    assert z.shape[-2:] == (2, 1)
    w = plus.global_colour.weight[:, :, 0, 0]  # (3, C)
    offset = z.mean(dim=(-2, -1)) @ w.T + plus.global_colour.bias  # (2, 3), one per image
    assert not torch.allclose(offset[0], offset[1])
    pre = torch.atanh(paper(x).double())  # the paper's output is tanh(pre); small weights: |out| ≪ 1
    expected = torch.tanh(pre + offset.double()[:, :, None, None])
    torch.testing.assert_close(plus(x).double(), expected, rtol=0, atol=1e-5)


def test_global_colour_offset_learns():
    g = build_generator("dense", 1, 3, ngf=4, image_size=32, global_colour=True)
    g(torch.randn(2, 1, 32, 32)).mean().backward()
    assert g.global_colour.bias.grad.abs().min() > 0
    assert g.global_colour.weight.grad.abs().max() > 0
