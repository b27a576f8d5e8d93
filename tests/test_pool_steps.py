"""pool_steps (what the pooling widget and animation show), the animation's data and the exercise check.

Oracles: hand-computed values and independent loops over the windows, not cnnlib.max_pool2d.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.animation import pooling_animation
from cnnlib.exercises import check_max_pool2d
from cnnlib.pool_steps import pool_steps


def loop_pool(x, k, s, fn):
    oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    return np.array([[fn([x[i * s + p, j * s + q] for p in range(k) for q in range(k)]) for j in range(ow)]
                     for i in range(oh)])


def test_the_notes_example_by_hand():
    (m,) = pool_steps([[1, 2], [3, 4]], "max", 2)
    (a,) = pool_steps([[1, 2], [3, 4]], "average", 2)
    assert (m.value, m.chosen, a.value, a.chosen) == (4.0, (1, 1), 2.5, None)


@pytest.mark.parametrize("k,s", [(2, 2), (3, 2), (2, 1), (3, 3)])
@pytest.mark.parametrize("kind,fn", [("max", max), ("average", lambda v: sum(v) / len(v))])
def test_against_loops(k, s, kind, fn):
    x = np.random.default_rng(k * 10 + s).integers(-9, 10, (7, 6)).astype(float)
    steps = pool_steps(x, kind, k, stride=s)
    want = loop_pool(x, k, s, fn)
    np.testing.assert_allclose(steps[0].output, want, rtol=1e-15)
    assert len(steps) == want.size
    for st in steps:
        assert st.rows == list(range(st.i * s, st.i * s + k)) and st.cols == list(range(st.j * s, st.j * s + k))
        if kind == "max":
            assert x[st.chosen] == st.value == want[st.i, st.j]


def test_ties_choose_the_first_maximum_in_reading_order():
    (st,) = pool_steps([[5, 1], [5, 5]], "max", 2)
    assert st.chosen == (0, 0)


def test_bad_input_names_the_function():
    with pytest.raises(ValueError, match="pool_steps.*kind"):
        pool_steps([[1.0]], "min", 1)
    with pytest.raises(ValueError, match="pool_steps.*larger"):
        pool_steps(np.ones((2, 2)), "max", 3)


def test_animation_data_and_html():
    anim = pooling_animation([[1, 2, 0, 1], [3, 4, 1, 0]], 2)
    assert [m["name"] for m in anim.data["modes"]] == ["max pooling", "average pooling"]
    assert anim.data["modes"][0]["output"] == [[4, 1]]
    assert anim.data["modes"][1]["output"] == [[2.5, 0.5]]
    assert anim.data["modes"][0]["frames"][0]["chosen"] == [1, 1]
    page = anim._repr_html_()
    assert page.count("<script>") == 1 and "cnn-slot-input" in page and "http" not in page
    assert anim._repr_html_() == pooling_animation([[1, 2, 0, 1], [3, 4, 1, 0]], 2)._repr_html_()


def test_exercise_check_passes_a_loop_and_fails_wrong_answers(capsys):
    good = lambda x, s: loop_pool(np.asarray(x, float), s, s, max)  # noqa: E731
    assert check_max_pool2d(good) is True
    assert check_max_pool2d(lambda x, s: loop_pool(np.asarray(x, float), s, s, np.mean)) is False
    assert check_max_pool2d(lambda x, s: 1 / 0) is False
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("PASS") and out[1].startswith("FAIL") and "ZeroDivisionError" in out[2]


def test_widget_and_figure_build_from_pool_steps():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz import plot_pool_steps
    from cnnlib.widgets import pooling_widget

    x = np.arange(24.0).reshape(4, 6)
    box = pooling_widget(x)
    kind, sliders = box.children[0], box.children[1].children
    assert list(kind.options) == ["max", "average"] and [s.value for s in sliders] == [2, 2]
    kind.value, sliders[0].value, sliders[1].value = "average", 3, 1   # redraws without error
    fig = plot_pool_steps(pool_steps(x, "max", 2))
    assert len(fig.axes) == 2 and "2x3" in fig.axes[1].get_title()
    plt.close("all")
