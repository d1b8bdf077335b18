"""The gallery's reading order: each section's examples in the order its chapter uses them.

sphinx-gallery sorts the sections by folder name, and they are numbered (``01_deep_networks``).
Within a section it can sort by file name, size, title or code length, but not by a list
(numbered file names would sort by name, but an example's file name is also its page's
address and the label the chapters cite it by): hence :data:`ORDER`, and
:class:`NarrativeOrder`, the sort key sphinx-gallery imports by name
(``within_subsection_order``; a key must be importable to be kept in Sphinx's pickled
configuration). An example missing from the list stops the build, and
``tests/test_gallery_order.py`` checks the list against the scripts on disk.
"""

from __future__ import annotations

from pathlib import Path

#: Each section folder with its examples, in reading order.
ORDER = {
    "01_deep_networks": ["plot_activations.py", "plot_deep_flow.py"],
    "02_unrolled_rnn": [
        "plot_rnn_diagram.py",
        "plot_scalar_powers.py",
        "plot_gradient_decay.py",
        "plot_tanh_saturation.py",
        "plot_bptt_check.py",
    ],
    "03_eigen_singular": ["plot_eigen_powers.py", "plot_eig_vs_sv.py"],
    "04_clipping_training": [
        "plot_clipping_geometry.py",
        "plot_cliff.py",
        "plot_cliff_descent.py",
        "plot_train_clipping.py",
        "plot_train_gradient_reach.py",
    ],
    "05_gated": [
        "plot_gated_gradient_paths.py",
        "plot_forget_bias.py",
        "plot_gated_explosion.py",
    ],
    "06_linear": ["plot_lru_memory.py"],
}


class NarrativeOrder:
    """sphinx-gallery's ``within_subsection_order``: an example's place in :data:`ORDER`."""

    def __init__(self, src_dir: str) -> None:
        self.order = [name for names in ORDER.values() for name in names]

    def __call__(self, filename: str) -> int:
        name = Path(filename).name
        if name not in self.order:
            raise ValueError(f"{name} is missing from ORDER in docs/_ext/gallery_order.py")
        return self.order.index(name)

    def __repr__(self) -> str:  # stable: Sphinx compares configuration values between builds
        return f"<NarrativeOrder {self.order}>"
