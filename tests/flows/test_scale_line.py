"""Table I's scale label names a scale that the two sizes do not imply (native crops, crop_scale)."""

from flows.compare import scale_line


def test_scale_line_names_only_a_scale_the_sizes_do_not_imply():
    assert scale_line({"trained_px": 64, "scored_px": 256, "scale": 0.25}) == "trained at 64 px, scored at 256 px"
    assert scale_line({"trained_px": 128, "scored_px": 256, "scale": 2.0}) == "trained at 128 px (scale 2), scored at 256 px"
    assert scale_line({"trained_px": 128, "scored_px": 256, "scale": 1.0}) == "trained at 128 px (scale 1), scored at 256 px"
    assert scale_line({}) == "trained at ? px, scored at ? px"


def test_scale_line_names_a_saturation_scale_and_where_it_came_from():
    fit = {"trained_px": 256, "scored_px": 256, "scale": 1.0, "chroma_scale": 0.45, "heldout_pairs": 36}
    assert scale_line(fit) == "trained at 256 px, scored at 256 px, colour × 0.45 (fit on 36 held-out pairs)"
    kept = {**fit, "chroma_scale": 1.0}  # fit, and 1 chosen: still said
    assert scale_line(kept).endswith("colour × 1 (fit on 36 held-out pairs)")
    by_hand = {**fit, "heldout_pairs": 0, "chroma_scale": 0.6}
    assert scale_line(by_hand).endswith("colour × 0.6 (set in the checkpoint)")
    assert scale_line({**fit, "heldout_pairs": 0, "chroma_scale": 1.0}) == "trained at 256 px, scored at 256 px"
    drawn = {**fit, "heldout_pairs": 0, "chroma_fit_on": "train", "chroma_pairs": 96, "chroma_scale": 0.5}
    assert scale_line(drawn).endswith("colour × 0.5 (fit on 96 training pairs)")
