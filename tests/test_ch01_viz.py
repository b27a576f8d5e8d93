"""Chapter 1's figures, widget and receptive-field animation data: thin shells over cnnlib.receptive."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnlib.viz  # noqa: E402
import cnnlib.widgets  # noqa: E402
from cnnlib.animation import receptive_field_animation, receptive_field_data  # noqa: E402
from cnnlib.receptive import Window, connected_pixels, field_sets, receptive_fields  # noqa: E402

IMAGE = np.arange(64.0).reshape(8, 8)
PERM = np.random.default_rng(0).permutation(64)


def test_plot_connections_titles_state_the_counts():
    fig = cnnlib.viz.plot_connections(IMAGE, (4, 3), 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert "all 64 pixels" in titles[1] and "25 pixels" in titles[2]
    fig = cnnlib.viz.plot_connections(IMAGE, (0, 0), 3, permutation=PERM)
    titles = [ax.get_title() for ax in fig.axes]
    assert "shuffled" in titles[0] and "16 pixels" in titles[2]  # a corner: 4 x 4 after 3 layers
    plt.close("all")


def test_plot_dependency_graph_marks_the_field():
    ax = cnnlib.viz.plot_dependency_graph(11, 3)
    # the orange dots per level: 7 inputs, 5, 3 and the unit
    sizes = [len(c.get_offsets()) for c in ax.collections if len(c.get_offsets())
             and tuple(np.round(c.get_facecolor()[0][:3], 2)) == (0.99, 0.68, 0.42)]
    assert sizes == [7, 5, 3, 1]
    plt.close("all")


@pytest.mark.filterwarnings("ignore::UserWarning")  # plt.show() on the Agg backend
def test_connections_widget_redraws_with_the_chosen_settings(monkeypatch):
    import ipywidgets

    drawn = []

    def fake_plot(image, pixel, n_layers, permutation=None):
        drawn.append((pixel, n_layers, permutation is not None))
        return plt.figure()

    monkeypatch.setattr(cnnlib.viz, "plot_connections", fake_plot)
    box = cnnlib.widgets.connections_widget(IMAGE, PERM)
    assert isinstance(box, ipywidgets.VBox)
    (row, col), (layers, shuffle) = box.children[0].children, box.children[1].children
    assert drawn == [((4, 4), 1, False)]
    row.value, layers.value, shuffle.value = 0, 3, "shuffled"
    assert drawn[-1] == ((0, 4), 3, True)
    assert (layers.min, layers.max) == (1, 3)
    plt.close("all")


def test_animation_frames_agree_with_field_sets_and_receptive_fields():
    stacks = {"convs": [Window(3, padding=1)] * 3,
              "pooled": [Window(3, padding=1), Window(2, stride=2), Window(3, padding=1)]}
    data = receptive_field_data(stacks, (10, 10))
    for (name, layers), st in zip(stacks.items(), data["stacks"]):
        assert [lv["shape"] for lv in st["levels"]] == [[10, 10]] + [[r.out, r.out] for r in receptive_fields(layers, 10)]
        for f in st["frames"]:
            sub = layers[:f["layer"]]
            r, c = f["unit"]
            want = np.outer(field_sets(sub, 10, r)[0], field_sets(sub, 10, c)[0])
            assert np.array_equal(np.array(f["grids"][0]) == 1, want)
            assert f["reads"] == int(want.sum())
            assert f["field"] == [receptive_fields(sub)[-1].size] * 2
            assert (np.array(f["grids"][f["layer"]]) == 2).sum() == 1
    # conv, pool, conv: the last unit sees 8 x 8 (3, 4, then 4 + 2 * 2)
    assert data["stacks"][1]["frames"][-1]["field"] == [8, 8]


def test_animation_html_is_stable_and_self_contained():
    a = receptive_field_animation({"convs": [(3, 1, 1, 1)] * 2}, (7, 7))
    b = receptive_field_animation({"convs": [(3, 1, 1, 1)] * 2}, (7, 7))
    html = a._repr_html_()
    assert html == b._repr_html_() and a.id == b.id
    assert "<script>" in html and "http" not in html
    assert json.loads(a._payload) == a.data
    assert "0x" not in repr(a)


def test_connected_pixels_fc_with_permutation_is_all_pixels():
    assert (connected_pixels("fc", (2, 2), 3, permutation=PERM) == 1).all()
