"""Mark the figures in the doctrees: alt text and light/dark classes.

Kept, as no library does it: myst-nb names an executed page's output image after its hash
and takes only its width and height from the output's metadata, so the alt text and the
theme (light or dark) that :func:`figures.show` writes into each PNG's tEXt chunks are
copied onto the image node here; sphinx-gallery's ``image-sg`` writes only the first of
its classes; and a gallery thumbnail gets its dark twin (written by
``figure_style.dual_scraper``). Kept apart from ``figure_style`` and ``figures``, whose
code is part of the engine fingerprint: editing this file reruns no example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _mark_images(app: Any, doctree: Any) -> None:
    """Give executed pages' figures their alt text and theme class, join the classes of
    sphinx-gallery's images, and pair each gallery thumbnail with its dark twin."""
    from docutils import nodes
    from PIL import Image
    from sphinx_gallery.directives import imgsgnode

    # image-sg writes only the first of its classes into the HTML: join them into one, so
    # that "only-light" / "only-dark" reach the page.
    for node in doctree.findall(imgsgnode):
        classes = node.get("class") or []
        if any(c in ("only-light", "only-dark") for c in classes):
            node["class"] = [" ".join(classes)]

    for image in list(doctree.findall(nodes.image)):
        uri = image.get("uri", "")
        if "://" in uri or not uri.endswith(".png"):
            continue
        if uri.startswith("/"):  # relative to the source folder (myst-nb, sphinx-gallery)
            path = Path(app.srcdir) / uri.lstrip("/")
        else:
            path = Path(app.env.doc2path(app.env.current_document.docname)).parent / uri
        if uri.endswith("_thumb.png") and "/thumb/" in uri:
            dark = path.with_name(path.stem + "_dark.png")
            if dark.is_file() and "only-light" not in image["classes"]:
                twin = image.deepcopy()
                twin["uri"] = uri[: -len(".png")] + "_dark.png"
                twin["candidates"] = {"*": twin["uri"]}
                twin["classes"] = [*image["classes"], "only-dark"]
                image["classes"].append("only-light")
                image.parent.insert(image.parent.index(image) + 1, twin)
            continue
        if path.is_file():
            with Image.open(path) as im:
                meta = im.info
            if "vgrad:theme" in meta:
                image["alt"] = meta.get("Description", image.get("alt", ""))
                image["classes"].append(f"only-{meta['vgrad:theme']}")


def setup(app: Any) -> dict[str, Any]:
    # Before Sphinx's image collector (priority 500) records the images of the page.
    app.connect("doctree-read", _mark_images, priority=400)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
