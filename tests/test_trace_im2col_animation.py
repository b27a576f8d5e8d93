"""Chapter 4's pure functions: conv_trace, the im2col animation data, the figures,
the widget and the exercise check. Oracles: plain loops over the definition and
NumPy's own padding, never the code under test."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnnlib import conv2d, conv_trace  # noqa: E402
from cnnlib.animation import FrameAnimation, grid_html, im2col_animation, im2col_unfolding_data  # noqa: E402
from cnnlib.exercises import check_conv2d_im2col  # noqa: E402
from cnnlib.viz import plot_conv_shapes, plot_conv_trace, plot_im2col_rows  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def loop_conv_value(x, w, b, n, f, i, j, stride, pad):
    """out[n, f, i, j] straight from the definition, on a NumPy-padded input."""
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    _, c, fh, fw = w.shape
    total = 0.0
    for ch in range(c):
        for p in range(fh):
            for q in range(fw):
                total += xp[n, ch, i * stride + p, j * stride + q] * w[f, ch, p, q]
    return total + (0.0 if b is None else b[f])


@given(
    n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 6), wd=st.integers(1, 6),
    fn=st.integers(1, 3), fh=st.integers(1, 3), fw=st.integers(1, 3),
    stride=st.integers(1, 3), pad=st.integers(0, 2), bias=st.booleans(), seed=st.integers(0, 2**32 - 1),
)
def test_conv_trace_gives_the_output_number(n, c, h, wd, fn, fh, fw, stride, pad, bias, seed):
    h, wd = max(h, fh), max(wd, fw)
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, (n, c, h, wd)).astype(float)      # integers: every sum below is exact
    w = rng.integers(-5, 6, (fn, c, fh, fw)).astype(float)
    b = rng.integers(-9, 10, fn).astype(float) if bias else None
    oh, ow = (h + 2 * pad - fh) // stride + 1, (wd + 2 * pad - fw) // stride + 1
    pos = (int(rng.integers(n)), int(rng.integers(fn)), int(rng.integers(oh)), int(rng.integers(ow)))
    t = conv_trace(x, w, *pos, b, stride=stride, padding=pad)
    nn, f, i, j = pos
    expected = loop_conv_value(x, w, b, nn, f, i, j, stride, pad)
    assert t.total == expected
    assert t.output[pos] == expected                          # and conv2d's number agrees
    assert t.row == nn * oh * ow + i * ow + j
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    patch = xp[nn, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
    np.testing.assert_array_equal(t.patch, patch)
    np.testing.assert_array_equal(t.row_values, patch.ravel())    # channel-major, like w.reshape(FN, -1)
    np.testing.assert_array_equal(t.cols_matrix[t.row], patch.ravel())
    np.testing.assert_array_equal(t.column, w[f].ravel())
    np.testing.assert_array_equal(t.products, patch.ravel() * w[f].ravel())
    assert t.cols_matrix.shape == (n * oh * ow, c * fh * fw) and t.w_matrix.shape == (c * fh * fw, fn)
    assert t.rows == list(range(i * stride, i * stride + fh)) and t.cols == list(range(j * stride, j * stride + fw))
    assert t.output.shape == (n, fn, oh, ow)


def test_conv_trace_hand_example():
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    t = conv_trace(x, [[[[1, 1], [0, 2]]]], 0, 0, 1, 1, [0.5])
    assert t.row == 3 and t.total == 29.5                     # 5 + 6 + 0*8 + 2*9 = 29, + 0.5
    assert t.equation() == "5·1 + 6·1 + 8·0 + 9·2 + 0.5 = 29.5"
    neg = conv_trace(x, [[[[1, 1], [0, 2]]]], 0, 0, 0, 0, [-2])
    assert neg.equation().endswith("− 2 = 11")
    t = conv_trace(x, [[[[1, -1], [0, 2]]]], 0, 0, 0, 0)
    assert t.equation() == "1·1 + 2·(−1) + 4·0 + 5·2 = 9"


@pytest.mark.parametrize("args, kwargs, exc, words", [
    ((np.ones((1, 2, 3, 3)), np.ones((1, 3, 2, 2)), 0, 0, 0, 0), {}, ValueError, ["conv_trace", "channel", "C=2", "C=3"]),
    ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 0, 0, 2, 0), {}, ValueError, ["conv_trace", "i=2", "(1, 1, 2, 2)"]),
    ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 1, 0, 0, 0), {}, ValueError, ["conv_trace", "n=1"]),
    ((np.ones((1, 1, 3, 3)), np.ones((2, 1, 2, 2)), 0, 0, 0, 0, np.ones(3)), {}, ValueError, ["conv_trace", "b", "FN=2"]),
    ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 0, 0, 0.5, 0), {}, TypeError, ["conv_trace", "i"]),
    ((np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), 0, 0, 0, 0), {}, ValueError, ["conv_trace", "x", "4-D"]),
    ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 0, 0, 0, 0), {"stride": 0}, ValueError, ["conv_trace", "stride"]),
])
def test_conv_trace_bad_input(args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        conv_trace(*args, **kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_conv_trace_stride_and_padding_are_keyword_only():
    with pytest.raises(TypeError):
        conv_trace(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 0, 0, 0, 0, None, 2)


# --- the animation data -------------------------------------------------------------


def _cells(table_html):
    return [c for c in re.findall(r"<td[^>]*>(.*?)</td>", table_html)]


def test_im2col_animation_rows_are_the_patches_and_products_the_outputs():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 10, (3, 4, 5)).astype(float)
    w = rng.integers(-2, 3, (2, 3, 2, 3)).astype(float)
    data = im2col_unfolding_data(x, w)
    oh, ow = 3, 3
    assert data["shape"] == {"C": 3, "H": 4, "W": 5, "FN": 2, "FH": 2, "FW": 3, "OH": oh, "OW": ow}
    unfold, product = data["modes"]
    assert [m["name"] for m in data["modes"]] == ["im2col", "product"]
    assert len(unfold["frames"]) == oh * ow and len(product["frames"]) == oh * ow * 2
    for r, frame in enumerate(unfold["frames"]):
        i, j = divmod(r, ow)
        patch = x[:, i:i + 2, j:j + 3].ravel()                  # oracle: slicing, not im2col
        cells = _cells(frame["slots"]["cols"])
        row = [float(v) for v in cells[r * 18:(r + 1) * 18]]
        assert row == patch.tolist()
        assert all(v == "" for v in cells[(r + 1) * 18:])       # later rows not filled yet
        assert frame["slots"]["cols"].count('class="hit') == 18   # one row highlighted (sep cells too)
        hits = frame["slots"]["input"].count('class="hit"')
        assert hits == 3 * 2 * 3                                  # the patch in every channel
    for k, frame in enumerate(product["frames"]):
        r, f = divmod(k, 2)
        i, j = divmod(r, ow)
        expected = float(np.sum(x[:, i:i + 2, j:j + 3] * w[f]))
        assert frame["equation"].startswith(f"out[{f}, {i}, {j}] = row {r} · column {f} = ")
        assert float(frame["equation"].rsplit("= ", 1)[1].replace("−", "-")) == expected
        filled = [v for v in _cells(frame["slots"]["out"]) if v != ""]
        assert len(filled) == k + 1


def test_im2col_animation_html_is_self_contained_and_stable():
    x = np.arange(18.0).reshape(2, 3, 3)
    w = np.ones((2, 2, 2, 2))
    a, b = im2col_animation(x, w), im2col_animation(x, w)
    html = a._repr_html_()
    assert html == b._repr_html_()                                # no randomness: same HTML every run
    assert html.count("<script>") == 1 and "src=" not in html and "http" not in html
    assert 'data-act="prev"' in html and 'data-act="play"' in html and 'data-act="next"' in html
    assert 'html[data-theme="dark"]' in html and "overflow-x: auto" in html   # dark mode; scrolls when narrow
    payload = re.search(r"var data = (\{.*?\});\n", html, re.S).group(1)
    assert json.loads(payload.replace("<\\/", "</"))["modes"][0]["name"] == "im2col"
    assert repr(a) == "<im2col animation: im2col (4 frames), product (8 frames)>"


def test_im2col_animation_bad_input():
    with pytest.raises(ValueError, match="im2col_unfolding_data"):
        im2col_unfolding_data(np.ones((2, 3, 3)), np.ones((1, 3, 2, 2)))


def test_frame_animation_and_grid_html():
    assert grid_html([[1, None]], [["hit", ""]], separators=(1,)) == \
        '<table><tr><td class="hit">1</td><td class="sep"></td></tr></table>'
    anim = FrameAnimation([("a", "A")], [{"name": "m", "unit": "step", "captions": {},
                                          "frames": [{"slots": {"a": "<b>1</b>"}, "equation": "x"}]}])
    assert '<figcaption class="cnn-cap-a">A</figcaption>' in anim._repr_html_()


# --- figures, widget, exercise -----------------------------------------------------


def test_figures_are_built_from_the_data():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    w = np.ones((2, 2, 2, 2))
    t = conv_trace(x, w, 0, 1, 1, 2, [1.0, 2.0])
    fig = plot_conv_trace(t)
    assert f"= {t.total:g}" in fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes]
    assert "im2col matrix (6, 8): row 5" in titles and "filters (8, 2): column 1" in titles
    fig = plot_im2col_rows(x[0], 2, 2)
    assert "im2col rows 0–5 of 6" in [ax.get_title() for ax in fig.axes]
    fig = plot_conv_shapes(3, 75, 64, 2, 3, 3, 73, 62)
    assert "(3, 75, 64) ⋆ (2, 3, 3, 3) → (2, 73, 62)" in fig.axes[0].get_title()


def test_conv_trace_widget_redraws():
    pytest.importorskip("ipywidgets")
    from cnnlib.widgets import conv_trace_widget

    box = conv_trace_widget(np.arange(24.0).reshape(1, 2, 3, 4), np.ones((2, 2, 2, 2)))
    sliders = [s for row in box.children[:2] for s in row.children]
    assert [s.max for s in sliders] == [0, 1, 1, 2]
    sliders[1].value = 1                                          # the callback runs without error
    with pytest.raises(ValueError, match="conv_trace"):
        conv_trace_widget(np.ones((1, 2, 3, 3)), np.ones((1, 3, 2, 2)))


def _wrong_bias(x, w, b):
    return conv2d(x, w) + b                                       # (FN,) on the 4-D map


def _wrong_reshape(x, w, b):
    from cnnlib import im2col

    n, fn, fh, fw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    oh, ow = x.shape[2] - fh + 1, x.shape[3] - fw + 1
    return (im2col(x, fh, fw) @ w.reshape(fn, -1).T + b).reshape(n, fn, oh, ow)


def _notes_transpose(x, w, b):
    from cnnlib import im2col

    n, fn, fh, fw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    oh, ow = x.shape[2] - fh + 1, x.shape[3] - fw + 1
    return (im2col(x, fh, fw) @ w.reshape(fn, -1).T + b).reshape(n, oh, ow, fn).transpose(3, 0, 1, 2)


@pytest.mark.parametrize("fn", [_wrong_bias, _wrong_reshape, _notes_transpose, lambda x, w, b: conv2d(x, w, b[::-1])])
def test_exercise_check_catches_each_trap(fn, capsys):
    assert check_conv2d_im2col(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_exercise_check_reports_a_raising_function(capsys):
    def broken(x, w, b):
        raise IndexError("oops")
    assert check_conv2d_im2col(broken) is False
    assert "raised IndexError: oops" in capsys.readouterr().out
