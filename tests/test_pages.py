"""vgrad.pages: the helpers of the executed pages, as the prose uses them."""

import pytest

from vgrad import pages


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (1.234e-7, 2, "1.2 × 10⁻⁷"),
        (-4.56e12, 3, "-4.56 × 10¹²"),
        (0.5, 2, "0.5"),
        (0.0123, 2, "0.012"),
        (9999.0, 2, "1.0 × 10⁴"),  # rounds up out of the plain range
        (0.00999, 2, "0.01"),  # rounds up into it
        (12345.0, 2, "1.2 × 10⁴"),
        (0.009, 1, "9 × 10⁻³"),
    ],
)
def test_sci_writes_numbers_as_the_prose_does(x, digits, text):
    assert pages.sci(x, digits) == text


def test_glue_without_myst_nb_keeps_the_value(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_myst(name, *args, **kwargs):
        if name == "myst_nb":
            raise ImportError("no myst_nb here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_myst)
    pages.glue("answer", 42, display=False)
    assert pages.GLUED["answer"] == 42
    with pytest.raises(TypeError, match="name must be a str"):
        pages.glue(3, 1.0)
    with pytest.raises(ValueError, match="must not be empty"):
        pages.glue("", 1.0)


# -- figures: show is plain matplotlib unless the site's build set its hook --------------


@pytest.fixture
def plt(monkeypatch):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(pages, "_hook", None)
    yield plt
    plt.close("all")


def test_show_outside_the_docs_build_is_plain_matplotlib(plt, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    fig, _ = plt.subplots(figsize=(10, 4))  # too wide for the site, fine for a reader
    pages.show(fig, alt="a figure")
    assert shown == [True]
    with pytest.raises(ValueError, match="alt must say"):
        pages.show(fig, alt=" ")
    with pytest.raises(TypeError, match="alt must be a str"):
        pages.show(fig, alt=None)
    assert shown == [True]


def test_show_calls_the_hook_the_build_sets_once_alt_is_checked(plt, monkeypatch):
    calls = []
    monkeypatch.setattr(plt, "show", lambda: calls.append("plt.show"))
    monkeypatch.setattr(pages, "_hook", lambda fig, alt: calls.append((fig, alt)))
    fig, _ = plt.subplots()
    pages.show(fig, alt="a figure")
    assert calls == [(fig, "a figure")]
    with pytest.raises(ValueError, match="alt must say"):
        pages.show(fig, alt="")
    with pytest.raises(TypeError, match="alt must be a str"):
        pages.show(fig, alt=3)
    assert calls == [(fig, "a figure")]
