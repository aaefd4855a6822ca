"""Tests for nircolor.report's HTML page: Table I formatting, paper row, embedded figures, escaping, determinism."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from nircolor.report import PAPER_ROW_LABEL, html_report, side_by_side, to_markdown, write_html
from nircolor.viz import image_grid, save_png


def _table() -> pd.DataFrame:
    base = pd.DataFrame({"image": ["x", "y", "average"], "psnr": [10.0, 19.0, 14.5],
                         "ssim": [0.1234, 0.5, 0.31170], "ae": [9.0, 4.0, 6.5]})  # fmt: skip
    dense = pd.DataFrame({"image": ["x", "y", "average"], "psnr": [15.123, 18.0, 16.5615],
                          "ssim": [0.2, 0.4, 0.3], "ae": [7.0, 4.0, 5.5]})  # fmt: skip
    return side_by_side({"baseline": base, "dense": dense})


def _rows(page: str) -> dict[str, list[tuple[str, str]]]:
    """Body rows of the metrics table: label → [(td class, text), …] (label cell excluded)."""

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.row, self.cell, self.in_body = [], None, None, False

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body:
                self.row = []
            elif tag == "td" and self.row is not None:
                self.cell = [dict(attrs).get("class", ""), ""]

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                self.row.append(tuple(self.cell))
                self.cell = None
            elif tag == "tr" and self.row is not None:
                self.rows.append(self.row)
                self.row = None
            elif tag == "tbody":
                self.in_body = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell[1] += data

    p = P()
    p.feed(page)
    return {r[0][1]: r[1:] for r in p.rows}


@pytest.fixture
def figure(tmp_path):
    img = image_grid([[np.full((8, 8), 40, np.uint8), np.zeros((8, 8, 3), np.uint8)]], col_titles=["a", "b"])
    return save_png(tmp_path / "fig3.png", img)


def test_table_values_are_formatted_per_metric():
    page = html_report(title="T", table=_table())
    rows = _rows(page)
    assert list(rows) == ["x", "y", "average", PAPER_ROW_LABEL]
    assert [t for _, t in rows["x"]] == ["10.00", "0.123", "9.00", "15.12", "0.200", "7.00"]
    assert [t for _, t in rows["average"]] == ["14.50", "0.312", "6.50", "16.56", "0.300", "5.50"]
    assert [t for _, t in rows[PAPER_ROW_LABEL]] == ["13.53", "0.430", "9.38", "17.14", "0.520", "5.93"]


def test_header_groups_metrics_under_their_variant():
    page = html_report(title="T", table=_table())
    assert '<th rowspan="2" scope="col">image</th>' in page
    assert '<th colspan="3" scope="colgroup">baseline</th>' in page
    assert '<th colspan="3" scope="colgroup">dense</th>' in page
    assert page.count("<th scope=\"col\">PSNR (dB)</th>") == 2
    assert page.count("<th scope=\"col\">AE (°)</th>") == 2


def test_better_value_per_row_is_marked():
    rows = _rows(html_report(title="T", table=_table()))
    better = {label: [i for i, (klass, _) in enumerate(cells) if "better" in klass.split()]
              for label, cells in rows.items()}  # fmt: skip
    # columns: 0 b/psnr 1 b/ssim 2 b/ae 3 d/psnr 4 d/ssim 5 d/ae
    assert better["x"] == [3, 4, 5]  # dense higher PSNR/SSIM, lower AE
    assert better["y"] == [0, 1]  # baseline higher PSNR/SSIM; AE tied → neither
    assert better["average"] == [1, 3, 5]  # lower AE wins, not higher
    assert better[PAPER_ROW_LABEL] == [3, 4, 5]


def test_average_row_is_bold_and_paper_row_labelled():
    page = html_report(title="T", table=_table())
    assert re.search(r'<tr class="average"><td class="label">average</td>', page)
    assert re.search(r"tr\.average\s*\{\s*font-weight:\s*bold", page)
    assert f'<tr class="paper"><td class="label">{PAPER_ROW_LABEL}</td>' in page


def test_missing_values_and_unknown_variants():
    table = _table()
    table.loc[0, "dense/psnr"] = float("nan")
    table["other/psnr"] = [1.0, 2.0, 3.0]
    rows = _rows(html_report(title="T", table=table))
    assert rows["x"][3] == ("num", "—")
    assert rows["x"][0][0] == "num better"  # a NaN never wins; 10.00 beats other's 1.00
    assert rows[PAPER_ROW_LABEL][6] == ("num", "—")  # the paper has no "other"


def test_figure_is_embedded_as_a_data_uri(figure):
    page = html_report(title="T", table=_table(), figures=[("Fig. 3 <demo>", figure)])
    match = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="Fig. 3 &lt;demo&gt;">', page)
    assert match, page[-2000:]
    assert base64.b64decode(match.group(1)) == figure.read_bytes()
    assert "<figcaption>Fig. 3 &lt;demo&gt;</figcaption>" in page


def test_non_png_figures_are_refused(tmp_path):
    bogus = tmp_path / "x.png"
    bogus.write_bytes(b"GIF89a....")
    with pytest.raises(ValueError, match="not a PNG"):
        html_report(title="T", table=_table(), figures=[("x", bogus)])


def test_all_text_is_escaped():
    page = html_report(
        title="<b>T</b>",
        table=_table(),
        table_markdown=to_markdown(_table()) + "<script>x</script>",
        facts={"git commit": "<script>alert(1)</script>", "a&b": 'say "hi"'},
        notes=["1 < 2 & <i>"],
    )
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<dt>a&amp;b</dt><dd>say &quot;hi&quot;</dd>" in page
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in page
    assert "<li>1 &lt; 2 &amp; &lt;i&gt;</li>" in page
    assert "| paper (VCIP 2020, Table I average) |" in page  # markdown shown for copying


def test_page_is_self_contained():
    page = html_report(title="T", table=_table(), notes=["n"], facts={"data": "SYNTHETIC"})
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "http://" not in page and "https://" not in page
    assert page.startswith("<!DOCTYPE html>")


def test_facts_keep_their_order():
    facts = {"data": "SYNTHETIC", "champion": "dense (val/psnr)", "git commit": "abc123"}
    page = html_report(title="T", table=_table(), facts=facts)
    positions = [page.index(f"<dt>{k}</dt>") for k in facts]
    assert positions == sorted(positions)


def test_output_is_deterministic_and_written_atomically(tmp_path, figure):
    kwargs = dict(title="T", table=_table(), figures=[("f", figure)], facts={"k": "v"}, notes=["n"])
    a, b = html_report(**kwargs), html_report(**kwargs)
    assert a == b
    out = write_html(tmp_path / "reports" / "index.html", a)
    assert out.read_text(encoding="utf-8") == a
    assert [p.name for p in out.parent.iterdir()] == ["index.html"]
    write_html(out, b)
    assert out.read_bytes() == a.encode("utf-8")
