"""vgrad.diagram: the drawing helpers of the RNN diagrams draw and reject wrong arguments."""

import pytest

from vgrad import diagram


@pytest.fixture
def ax():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_unrolled_rnn_draws_and_returns_the_legend(ax):
    handles = diagram.unrolled_rnn(ax)
    assert [h.get_label() for h in handles][:2] == ["forward pass", "backward pass"]
    assert len(handles) == 3 and len(ax.patches) > 0 and not ax.axison


@pytest.mark.parametrize("kind", ["deep", "rnn"])
def test_layer_row_draws_either_network(ax, kind):
    diagram.layer_row(ax, kind)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert ("W_{hh}" in texts) == (kind == "rnn")


def test_layer_row_names_a_wrong_kind(ax):
    with pytest.raises(ValueError, match="kind"):
        diagram.layer_row(ax, "lstm")


def test_box_names_a_wrong_kind(ax):
    with pytest.raises(ValueError, match="kind"):
        diagram.box(ax, 0.0, 0.0, "x", "z")
