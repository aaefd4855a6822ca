"""Table I's scale label names a scale that the two sizes do not imply (native crops, crop_scale)."""

from flows.compare import scale_line


def test_scale_line_names_only_a_scale_the_sizes_do_not_imply():
    assert scale_line({"trained_px": 64, "scored_px": 256, "scale": 0.25}) == "trained at 64 px, scored at 256 px"
    assert scale_line({"trained_px": 128, "scored_px": 256, "scale": 2.0}) == "trained at 128 px (scale 2), scored at 256 px"
    assert scale_line({"trained_px": 128, "scored_px": 256, "scale": 1.0}) == "trained at 128 px (scale 1), scored at 256 px"
    assert scale_line({}) == "trained at ? px, scored at ? px"
