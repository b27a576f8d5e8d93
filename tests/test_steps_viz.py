"""The sliding-window data, its animation, figures, widget and exercise check."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.signal  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cnnlib.widgets  # noqa: E402
from cnnlib import convolve2d, correlate2d, window_step, window_steps  # noqa: E402
from cnnlib.animation import SlidingWindowAnimation, sliding_window_animation, sliding_window_data  # noqa: E402
from cnnlib.exercises import check_correlate2d  # noqa: E402
from cnnlib.viz import plot_window_step, show_images  # noqa: E402

X3 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
K2 = [[1, 1], [0, 2]]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- window_step / window_steps ---------------------------------------------------


@given(
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(["cross-correlation", "convolution"]),
)
def test_window_steps_add_up_to_the_output(h, w, kh, kw, seed, mode):
    h, w = max(h, kh), max(w, kw)  # the kernel fits ('valid')
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, (h, w)).astype(float)
    k = rng.integers(-9, 10, (kh, kw)).astype(float)
    if mode == "cross-correlation":
        expected = scipy.signal.correlate2d(x, k, mode="valid")
        ours = correlate2d(x, k)
    else:
        expected = scipy.signal.convolve2d(x, k, mode="valid")
        ours = convolve2d(x, k)
    steps = window_steps(x, k, mode)
    oh, ow = h - kh + 1, w - kw + 1
    assert [(s.i, s.j) for s in steps] == [(i, j) for i in range(oh) for j in range(ow)]  # reading order
    for s in steps:
        assert s.mode == mode
        assert s.rows == list(range(s.i, s.i + kh)) and s.cols == list(range(s.j, s.j + kw))
        np.testing.assert_array_equal(s.window, x[s.i : s.i + kh, s.j : s.j + kw])
        np.testing.assert_array_equal(s.applied, k if mode == "cross-correlation" else k[::-1, ::-1])
        # The products from the definition, one by one: x under tap (m, q) times
        # k[m, q] (cross-correlation) or k[KH-1-m, KW-1-q] (convolution).
        by_hand = [
            [
                int(x[s.i + m, s.j + q]) * int(k[m, q] if mode == "cross-correlation" else k[kh - 1 - m, kw - 1 - q])
                for q in range(kw)
            ]
            for m in range(kh)
        ]
        np.testing.assert_array_equal(s.products, by_hand)
        # integer values: every sum is exact, so == is right
        assert s.total == expected[s.i, s.j] == sum(map(sum, by_hand)) == ours[s.i, s.j]
        np.testing.assert_array_equal(s.output, expected)
        np.testing.assert_array_equal(s.input, x)


@pytest.mark.parametrize(
    "i, j, mode, equation",
    [
        # window [[1, 2], [4, 5]] times the kernel as laid over it
        (0, 0, "cross-correlation", "1·1 + 2·1 + 4·0 + 5·2 = 13"),
        (0, 1, "cross-correlation", "2·1 + 3·1 + 5·0 + 6·2 = 17"),
        (1, 0, "cross-correlation", "4·1 + 5·1 + 7·0 + 8·2 = 25"),
        (1, 1, "cross-correlation", "5·1 + 6·1 + 8·0 + 9·2 = 29"),
        # convolution lays the flipped kernel [[2, 0], [1, 1]]
        (0, 0, "convolution", "1·2 + 2·0 + 4·1 + 5·1 = 11"),
        (0, 1, "convolution", "2·2 + 3·0 + 5·1 + 6·1 = 15"),
        (1, 0, "convolution", "4·2 + 5·0 + 7·1 + 8·1 = 23"),
        (1, 1, "convolution", "5·2 + 6·0 + 8·1 + 9·1 = 27"),
    ],
)
def test_equation_strings_for_the_worked_example(i, j, mode, equation):
    step = window_step(X3, K2, i, j, mode)
    assert step.equation() == equation
    assert (step.i, step.j, step.mode) == (i, j, mode)


def test_equation_formats_non_integers_and_negatives():
    assert window_step([[0.5]], [[3]], 0, 0).equation() == "0.5·3 = 1.5"
    assert window_step([[-1, 2]], [[2, -0.25]], 0, 0).equation() == "-1·2 + 2·-0.25 = -2.5"


def test_window_steps_totals_for_the_worked_example():
    assert [s.total for s in window_steps(X3, K2)] == [13, 17, 25, 29]
    assert [s.total for s in window_steps(X3, K2, "convolution")] == [11, 15, 23, 27]


# --- sliding_window_data and the animation -----------------------------------------


def test_sliding_window_data_contents():
    data = sliding_window_data(X3, K2)
    assert json.loads(json.dumps(data)) == data  # pure JSON
    assert data["input"] == X3
    assert [m["name"] for m in data["modes"]] == ["cross-correlation", "convolution"]
    corr, conv = data["modes"]
    assert corr["output"] == [[13, 17], [25, 29]]
    assert conv["output"] == [[11, 15], [23, 27]]
    assert len(corr["frames"]) == len(conv["frames"]) == 4
    assert corr["frames"][0] == {
        "i": 0,
        "j": 0,
        "rows": [0, 1],
        "cols": [0, 1],
        "applied": [[1, 1], [0, 2]],
        "products": [[1, 2], [0, 10]],  # [[1*1, 2*1], [4*0, 5*2]]
        "total": 13,
        "equation": "1·1 + 2·1 + 4·0 + 5·2 = 13",
    }
    last = conv["frames"][3]
    assert (last["i"], last["j"], last["rows"], last["cols"]) == (1, 1, [1, 2], [1, 2])
    assert last["applied"] == [[2, 0], [1, 1]]
    assert last["products"] == [[10, 0], [8, 9]]  # [[5*2, 6*0], [8*1, 9*1]]
    assert last["total"] == 27
    # whole numbers are ints in the JSON ("13", not "13.0")
    assert isinstance(corr["frames"][0]["total"], int) and '"total": 13,' in json.dumps(corr["frames"][0])


def test_sliding_window_data_single_mode_and_fractions():
    data = sliding_window_data([[0.5, 1.0, 2.0]], [[1, 0.1]], modes=("convolution",))
    assert [m["name"] for m in data["modes"]] == ["convolution"]
    frames = data["modes"][0]["frames"]
    # flipped kernel [[0.1, 1]]: 0.5*0.1 + 1*1 = 1.05, 1*0.1 + 2*1 = 2.1 (rounded to 6 places)
    assert [f["total"] for f in frames] == [1.05, 2.1]
    assert frames[0]["applied"] == [[0.1, 1]]


def test_animation_html_is_deterministic_and_offline():
    a = SlidingWindowAnimation(X3, K2)._repr_html_()
    b = sliding_window_animation(X3, K2)._repr_html_()
    assert a == b
    assert "http" not in a.lower()
    assert "<script>" in a and a.count("<script") == 1 and "src=" not in a
    anim = sliding_window_animation(X3, K2)
    assert re.fullmatch(r"cnn-anim-[0-9a-f]{10}", anim.id)
    assert f'id="{anim.id}"' in a
    # the embedded data is exactly the JSON of sliding_window_data
    assert json.dumps(sliding_window_data(X3, K2), sort_keys=True) in a
    # the first frame is rendered in plain HTML for readers without scripts
    assert "cross-correlation: output[0, 0] = 1·1 + 2·1 + 4·0 + 5·2 = 13" in a
    assert "position 1 of 4" in a


def test_animation_id_changes_with_the_input():
    ids = {
        sliding_window_animation(X3, K2).id,
        sliding_window_animation(X3, [[1, 1], [0, 3]]).id,
        sliding_window_animation([[1, 2, 3], [4, 5, 6], [7, 8, 10]], K2).id,
        sliding_window_animation(X3, K2, modes=("convolution",)).id,
    }
    assert len(ids) == 4
    assert sliding_window_animation(X3, [[1, 1], [0, 3]])._repr_html_() != sliding_window_animation(X3, K2)._repr_html_()


def test_animation_options():
    html_auto = sliding_window_animation(X3, K2)._repr_html_()
    html_still = sliding_window_animation(X3, K2, interval_ms=700, autoplay=False)._repr_html_()
    assert "play(true);" in html_auto and "play(false);" in html_still
    assert re.search(r"setInterval\(.*?,\s*700\)", html_still)


# --- figures -------------------------------------------------------------------------


def test_plot_window_step_returns_a_four_panel_figure():
    fig = plot_window_step(window_step(X3, K2, 1, 0))
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == ["input", "kernel (as is)", "products", "output[1, 0] = 25"]
    assert fig._suptitle.get_text() == "cross-correlation: 4·1 + 5·1 + 7·0 + 8·2 = 25"
    # the numbers drawn in the products panel are the products
    assert sorted(t.get_text() for t in fig.axes[2].texts) == sorted(["4", "5", "0", "16"])
    # later output positions are blank
    assert [t.get_text() for t in fig.axes[3].texts] == ["13", "17", "25", ""]


def test_plot_window_step_convolution_title():
    fig = plot_window_step(window_step(X3, K2, 0, 0, "convolution"))
    assert fig.axes[1].get_title() == "kernel, flipped"
    assert fig._suptitle.get_text().startswith("convolution: 1·2 + 2·0")


@pytest.mark.parametrize("n, ncols, expected_axes", [(1, None, 2), (3, None, 6), (3, 2, 7), (4, 2, 8)])
def test_show_images_axes(n, ncols, expected_axes):
    rng = np.random.default_rng(0)
    images = [rng.standard_normal((5, 6)) for _ in range(n)]
    titles = [f"image {i}" for i in range(n)]
    fig = show_images(images, titles, symmetric=[True] * n, ncols=ncols)
    assert isinstance(fig, matplotlib.figure.Figure)
    # one panel per grid cell plus one colour bar per image
    assert len(fig.axes) == expected_axes
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == titles
    lo, hi = fig.axes[0].images[0].get_clim()
    assert lo == -hi == -np.abs(images[0]).max()  # symmetric scale centred on zero


# --- the widget ----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning")  # plt.show() on the Agg backend
def test_sliding_window_widget_redraws_the_chosen_step(monkeypatch):
    import ipywidgets

    drawn = []

    def fake_plot(step):
        drawn.append(step)
        return plt.figure()

    monkeypatch.setattr(cnnlib.widgets, "plot_window_step", fake_plot)
    box = cnnlib.widgets.sliding_window_widget(X3, K2)
    assert isinstance(box, ipywidgets.VBox)
    (i_slider, j_slider), mode = box.children[0].children, box.children[1]
    assert (i_slider.min, i_slider.max, j_slider.min, j_slider.max) == (0, 1, 0, 1)
    assert len(drawn) == 1 and (drawn[-1].i, drawn[-1].j, drawn[-1].total) == (0, 0, 13)

    i_slider.value = 1
    assert (drawn[-1].i, drawn[-1].j, drawn[-1].total) == (1, 0, 25)
    j_slider.value = 1
    assert (drawn[-1].i, drawn[-1].j, drawn[-1].total) == (1, 1, 29)
    mode.value = "convolution"
    assert (drawn[-1].mode, drawn[-1].total) == ("convolution", 27)
    assert len(drawn) == 4


def test_sliding_window_widget_rejects_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match="sliding_window_widget"):
        cnnlib.widgets.sliding_window_widget(X3, np.ones((4, 4)))


# --- the exercise check --------------------------------------------------------------


def loop_correlate2d(x, k):
    """A reader's correct answer: two loops over the output, one window sum each."""
    h, w = x.shape
    kh, kw = k.shape
    out = np.zeros((h - kh + 1, w - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i : i + kh, j : j + kw] * k)
    return out


def test_check_correlate2d_passes_a_correct_loop(capsys):
    assert check_correlate2d(loop_correlate2d) is True
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "FAIL" not in out


def test_check_correlate2d_quiet(capsys):
    assert check_correlate2d(loop_correlate2d, verbose=False) is True
    assert check_correlate2d(lambda x, k: 0, verbose=False) is False
    assert capsys.readouterr().out == ""


def test_check_correlate2d_allows_rounding_and_nothing_more(capsys):
    # A correct answer that adds each window's products in the opposite order
    # rounds differently and still passes; a result off by a relative 1e-12
    # (a thousand times the rounding of a sum of at most 9 products) fails.
    def reversed_sum(x, k):
        kh, kw = k.shape
        out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = sum(reversed((x[i : i + kh, j : j + kw] * k).ravel().tolist()))
        return out

    assert check_correlate2d(reversed_sum, verbose=False) is True
    assert check_correlate2d(lambda x, k: correlate2d(x, k) * (1 + 1e-12), verbose=False) is False
    # integers are exact: one unit off anywhere fails
    assert check_correlate2d(lambda x, k: correlate2d(x, k) + (x.shape == (3, 3)) * np.eye(2), verbose=False) is False


def _raises(x, k):
    raise IndexError("index 3 is out of bounds")


@pytest.mark.parametrize(
    "fn, fragment",
    [
        pytest.param(lambda x, k: loop_correlate2d(x, k[::-1, ::-1]), "expected [[13, 17], [25, 29]], got [[11, 15], [23, 27]]", id="flipped-kernel"),
        pytest.param(lambda x, k: scipy.signal.correlate2d(x, k, mode="full"), "expected shape (2, 2), got (4, 4)", id="wrong-shape-full"),
        pytest.param(lambda x, k: loop_correlate2d(x, k)[:, :-1] if k.shape[1] > 1 else loop_correlate2d(x, k), "expected shape", id="wrong-shape-cropped"),
        pytest.param(_raises, "raised IndexError: index 3 is out of bounds", id="raising"),
        pytest.param(lambda x, k: loop_correlate2d(x, k) + (k.shape != (2, 2)) * 1e-3, "FAIL on a 4x5 input, 2x3 kernel", id="wrong-on-the-second-case"),
        pytest.param(lambda x, k: loop_correlate2d(x.astype(np.int64), k.astype(np.int64)), "FAIL on a 1x1 kernel", id="truncates-floats"),
        pytest.param(lambda x, k: None, "FAIL on the worked example", id="returns-none"),
    ],
)
def test_check_correlate2d_fails_a_wrong_function(fn, fragment, capsys):
    assert check_correlate2d(fn) is False
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAIL"), out
    assert fragment in out, out


# --- chapter 3: the padding/stride explorer widget and its figures -----------------------


@pytest.mark.filterwarnings("ignore::UserWarning")  # plt.show() on the Agg backend
def test_padding_stride_widget_shows_what_window_layout_returns(monkeypatch):
    import ipywidgets

    drawn = []

    def fake_plot(lay):
        drawn.append(lay)
        return plt.figure().add_subplot()

    monkeypatch.setattr(cnnlib.widgets, "plot_window_layout", fake_plot)
    box = cnnlib.widgets.padding_stride_widget()
    assert isinstance(box, ipywidgets.VBox)
    (left, middle, sides), text = box.children[0].children, box.children[1]
    h, w, kh, kw = left.children
    s, d, mode = middle.children
    assert drawn[-1].output_shape == (7, 3) and "OH = " in text.value and "7 × 3 output: 21" in text.value
    s.value = 2
    assert drawn[-1].output_shape == (4, 2) and "4 × 2 output: 8 window positions" in text.value
    mode.value = "same"                       # 'same' with stride 2: explained, not raised
    assert not drawn[-1].fits and "Does not fit" in text.value and "stride 1 only" in text.value
    assert all(side.disabled for side in sides.children)
    s.value = 1
    assert drawn[-1].output_shape == (8, 4) and drawn[-1].pads == (0, 1, 0, 1)
    mode.value = "per side"
    sides.children[0].value = 3               # top
    assert drawn[-1].pads == (3, 0, 0, 0) and drawn[-1].output_shape == (10, 3)
    kh.value, d.value = 7, 3                  # spans 19 rows > 11
    assert not drawn[-1].fits and "spans 19 rows" in text.value


def test_plot_window_layout_draws_one_dot_per_window():
    from cnnlib import window_layout
    from cnnlib.viz import plot_coverage, plot_window_layout

    for lay, n in ((window_layout((8, 4), 2, stride=2), 8), (window_layout(5, 3, padding=1, stride=2), 9)):
        ax = plot_window_layout(lay)
        dots = [c for c in ax.collections if c.get_gid() == "window-centres"]
        assert len(dots) == 1 and len(dots[0].get_offsets()) == n == len(lay.positions)
        assert f"({n} windows)" in ax.get_xlabel()
    ax = plot_window_layout(window_layout(3, 3, padding=1, dilation=3))
    assert ax.get_xlabel() == "does not fit" and not [c for c in ax.collections if c.get_gid() == "window-centres"]
    ax = plot_coverage(np.array([[1, 0], [2, 4]]), title="t")
    assert [t.get_text() for t in ax.texts] == ["1", "0", "2", "4"] and ax.get_title() == "t"
