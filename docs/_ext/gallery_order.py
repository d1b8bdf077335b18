"""The gallery's reading order: each section's examples in the order its chapter uses them.

sphinx-gallery sorts the sections by folder name, and they are numbered (``01_deep_networks``).
Within a section it sorts by file name, size, title or code length, or by a list given to its
``ExplicitOrder`` (``sphinx_gallery/sorting.py``), which ``docs/conf.py`` builds from
:data:`ORDER`. Kept as a list rather than numbered file names: an example's file name is also
its page's address and the label the chapters cite it by. An example missing from the list
stops the build (ExplicitOrder raises a ConfigError naming it), and
``tests/test_gallery_order.py`` checks the list against the scripts on disk.
"""

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

#: Every example in reading order: the list docs/conf.py gives to ExplicitOrder.
EXAMPLES = [name for names in ORDER.values() for name in names]
