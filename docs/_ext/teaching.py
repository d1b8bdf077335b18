"""The furniture of a chapter a teacher can assign: goals, Going further, corrections, checks.

Directives that render with the theme's own admonition or ``<details>`` styles (the box that
ends a chapter is MyST's ``{admonition} Key points`` with ``:class: vgrad-keypoints``):

``{chapter-goals}``
    The box at the top of a chapter: its content (what you will learn, what you need),
    followed by the reading time of the chapter's main path, counted by ``tools/words.py``
    from the page's source (so the number shown is the one the word table prints).
``{going-further-start} Title`` ... ``{going-further-end}``
    Material beyond the 30-minute core, collapsed into a "Going further: Title" block.
    Gated like sphinx-exercise's solutions, so that executed code cells (with their
    assertions and figures) can sit inside; the two markers must be siblings (no heading
    in between).
``{lecture-correction} What the lecture says`` (content: the exact statement)
    One box style for every place where the lecture this site follows states something
    more simply than is true; ``{vgrad-lecture-corrections}`` lists them all, by chapter.
``{concept-check}``
    A short question and its answer, separated by a line ``+++``; the answer is collapsed.
``{chapter-cards}``
    The chapters of the root toctree as cards: number, title, the ``description`` of the
    page's front matter, and the reading time. The same ``description`` becomes the page's
    ``<meta name="description">``.
``{gallery-figure} plot_name N`` (content: the caption; option ``:name:``)
    Figure N of a gallery example, in both renderings, numbered and captioned on a
    chapter page, with the same download links: a chapter shows the figures it argues from
    without computing them a second time.
``{figure-caption} label`` (content: the caption), right after a code cell
    Makes the figure that cell shows (its light and dark renderings from
    :func:`vgrad.pages.show`) one numbered figure with this caption, a label for
    ``{numref}``, and download links under it (PNG, light and dark, at twice the screen
    resolution, and the light rendering as SVG). A directive after the cell rather than
    myst-nb's ``mystnb: figure`` cell metadata, which would number the two renderings as two
    figures and give both the label.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import words  # tools/words.py: the reading time shown is the word table's
from exercises import placeholder_directive

CORRECTIONS_DOC_KEY = "vgrad_lecture_corrections"


# -- <details> blocks -------------------------------------------------------------------------


class details(nodes.General, nodes.Element):
    """A collapsed block: ``<details class=...><summary>title</summary>...</details>``."""


def _visit_details(self: Any, node: details) -> None:
    classes = " ".join(["vgrad-details", *node.get("classes", [])])
    self.body.append(f'<details class="{classes}">')
    self.body.append(f"<summary>{self.encode(node['summary'])}</summary>")


def _depart_details(self: Any, node: details) -> None:
    self.body.append("</details>\n")


# -- chapter goals --------------------------------------------------------------------------


def _box(directive: SphinxDirective, cls: str, title: str, content: Any, offset: int):
    """A theme admonition of class ``cls`` titled ``title``, holding ``content`` parsed."""
    box = nodes.admonition(classes=[cls])
    box += nodes.title(text=title)
    directive.state.nested_parse(content, offset, box)
    return box


class ChapterGoals(SphinxDirective):
    """``{chapter-goals}``: "In this chapter", its content, and the reading time."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        box = _box(self, "vgrad-goals", "In this chapter", self.content, self.content_offset)
        count = words.count(Path(self.env.doc2path(self.env.docname)))
        box += nodes.paragraph(
            text=(
                f"Reading time: about {count.minutes} minutes "
                f"({count.words:,} words of prose and {count.figures} "
                f"figure{'' if count.figures == 1 else 's'} on the main path; the collapsed "
                "“Going further” blocks and the exercises come on top)."
            ),
            classes=["vgrad-reading-time"],
        )
        return [box]


# -- concept checks ---------------------------------------------------------------------------


class ConceptCheck(SphinxDirective):
    """``{concept-check}``: a question, a line ``+++``, then its answer (collapsed)."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        lines = list(self.content)
        if "+++" not in [line.strip() for line in lines]:
            raise self.error("concept-check: separate the question from its answer by '+++'")
        cut = [line.strip() for line in lines].index("+++")
        box = _box(
            self, "vgrad-check", "Check your understanding", self.content[:cut], self.content_offset
        )
        answer = details(summary="Answer", classes=["vgrad-check-answer"])
        self.state.nested_parse(self.content[cut + 1 :], self.content_offset + cut + 1, answer)
        box += answer
        return [box]


# -- lecture corrections ----------------------------------------------------------------------


class lecture_corrections(nodes.General, nodes.Element):
    """Placeholder for the generated list of corrections."""


class LectureCorrection(SphinxDirective):
    """``{lecture-correction} what the lecture says``: one box style for every correction."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict] = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        box = nodes.admonition(classes=["vgrad-lecture"])
        title_text = f"The lecture, made exact: {self.arguments[0]}"
        textnodes, messages = self.state.inline_text(title_text, self.lineno)
        box += nodes.title(title_text, "", *textnodes)
        box += messages
        self.state.nested_parse(self.content, self.content_offset, box)
        serial = self.env.new_serialno("vgrad-lecture")
        anchor = self.options.get("name") or f"lecture-correction-{serial}"
        box["ids"].append(nodes.make_id(anchor))
        if "name" in self.options:
            self.add_name(box)
        store = getattr(self.env, CORRECTIONS_DOC_KEY, {})
        store.setdefault(self.env.docname, []).append((box["ids"][0], self.arguments[0]))
        setattr(self.env, CORRECTIONS_DOC_KEY, store)
        return [box]


def _purge(app: Any, env: Any, docname: str) -> None:
    getattr(env, CORRECTIONS_DOC_KEY, {}).pop(docname, None)


def _merge(app: Any, env: Any, docnames: set, other: Any) -> None:
    store = getattr(env, CORRECTIONS_DOC_KEY, {})
    store.update(getattr(other, CORRECTIONS_DOC_KEY, {}))
    setattr(env, CORRECTIONS_DOC_KEY, store)


def _fill_corrections(app: Any, doctree: nodes.document, docname: str) -> None:
    store = getattr(app.env, CORRECTIONS_DOC_KEY, {})
    for placeholder in list(doctree.findall(lecture_corrections)):
        items = nodes.enumerated_list(classes=["vgrad-correction-list"])
        for doc in app.env.collect_relations():  # the pages in reading order
            for anchor, what in store.get(doc, []):
                uri = app.builder.get_relative_uri(docname, doc) + "#" + anchor
                para = nodes.paragraph()
                para += nodes.reference("", "", *_inline(what), refuri=uri, internal=True)
                para += nodes.Text(f" ({app.env.titles[doc].astext()})")
                items += nodes.list_item("", para)
        placeholder.replace_self(items if len(items) else nodes.paragraph(text="None yet."))


def _inline(text: str) -> list[nodes.Node]:
    """Plain text with ``$...$`` formulas as math nodes (titles of corrections)."""
    out: list[nodes.Node] = []
    parts = text.split("$")
    for k, part in enumerate(parts):
        if k % 2:
            out.append(nodes.math(part, part))
        elif part:
            out.append(nodes.Text(part))
    return out


def _lists_outdated(app: Any, env: Any, added: set, changed: set, removed: set) -> list:
    """Re-read the pages that list other pages' content (the corrections, the chapter
    cards, the exercises: ``vgrad_generated_list_docs``) whenever any page changed."""
    if not (added or changed or removed):
        return []
    return [doc for doc in env.found_docs if doc in app.config.vgrad_generated_list_docs]


# -- numbered figures -------------------------------------------------------------------------


class figure_caption(nodes.General, nodes.Element):
    """Placeholder: the caption and label for the figure of the cell before it."""


class FigureCaption(SphinxDirective):
    """``{figure-caption} label``: number the figure of the code cell just above."""

    has_content = True
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        node = figure_caption(label=self.arguments[0])
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        if not node.children or not isinstance(node[0], nodes.paragraph):
            raise self.error("figure-caption: the content must start with a paragraph")
        return [node]


def _figure_node(
    env: Any,
    images: list[nodes.Node],
    caption: nodes.paragraph,
    legend: list,
    label: str,
    svg: str | None = None,
) -> nodes.figure:
    """One numbered figure: the images (light, then dark), the caption, then a legend with
    the rest of the content and the download links of the images (and of ``svg``, the URI
    of the light rendering as SVG, if given)."""
    figure = nodes.figure(classes=["vgrad-figure"])
    # One wrapper for both renderings: the theme hides a caption that follows an only-dark
    # sibling (``.only-dark ~ figcaption``), which would hide every caption here.
    figure += nodes.container("", *images, classes=["vgrad-figure-images"])
    figure += nodes.caption(caption.rawsource, "", *caption.children)
    uris = [img["uri"] for node in images for img in node.findall(nodes.image)]
    links = nodes.paragraph(classes=["vgrad-figure-downloads"])
    for k, uri in enumerate(uris):
        theme = ("light", "dark")[k] if len(uris) == 2 else str(k + 1)
        links += nodes.Text("Download: PNG, " if k == 0 else " · ")
        links += addnodes.download_reference(
            "", "", nodes.literal("", theme), reftarget=uri, refdoc=env.docname
        )
    if svg:
        links += nodes.Text("; SVG, ")
        links += addnodes.download_reference(
            "", "", nodes.literal("", "light"), reftarget=svg, refdoc=env.docname
        )
    if legend or uris:
        figure += nodes.legend("", *legend, *([links] if uris else []))
    figure["names"].append(nodes.fully_normalize_name(label))
    return figure


class GalleryFigure(SphinxDirective):
    """``{gallery-figure} plot_name N``: figure N of a gallery example, numbered here."""

    has_content = True
    required_arguments = 2
    option_spec: ClassVar[dict] = {"name": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        name, number = self.arguments[0], int(self.arguments[1])
        stem = f"sphx_glr_{name}_{number:03d}"
        src = Path(self.env.srcdir)
        found = sorted(src.glob(f"auto_examples/*/images/{stem}.png"))
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        if not holder.children or not isinstance(holder[0], nodes.paragraph):
            raise self.error("gallery-figure: the content must start with a paragraph")
        label = self.options.get("name", f"fig-{name}-{number}")
        if not found:
            if not self.config.vgrad_fast:
                raise self.error(f"gallery-figure: no image {stem}.png in auto_examples/")
            # Examples are not run in a fast build: the caption and label stay, so that
            # references to the figure resolve.
            figure = _figure_node(self.env, [], holder[0], holder.children[1:], label)
            self.state.document.note_explicit_target(figure, figure)
            return [figure]
        images = []
        for theme, suffix in (("light", ""), ("dark", "_dark")):
            one_x = found[0].with_name(f"{stem}{suffix}.png")
            two_x = found[0].with_name(f"{stem}{suffix}_2_00x.png")
            path = two_x if two_x.is_file() else one_x
            self.env.note_dependency(str(path))
            from PIL import Image

            with Image.open(one_x) as im:
                width, alt = im.size[0], im.info.get("Description", "")
            image = nodes.image(
                uri="/" + path.relative_to(src).as_posix(),
                alt=alt,
                width=f"{width}px",
                classes=[f"only-{theme}"],
            )
            images.append(image)
        section = found[0].parent.parent.name
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", "the gallery example"),
            refdomain="std",
            reftype="ref",
            reftarget=f"sphx_glr_auto_examples_{section}_{name}.py",
            refexplicit=True,
            refwarn=True,
        )
        source = nodes.paragraph("", "", nodes.Text("From "), ref, nodes.Text("."))
        figure = _figure_node(self.env, images, holder[0], [*holder.children[1:], source], label)
        self.state.document.note_explicit_target(figure, figure)
        return [figure]


class NumberFigures(SphinxTransform):
    """Wrap each captioned cell's images in one figure (before the domains collect labels,
    priority 850, and before the download collector at doctree-read)."""

    default_priority = 800

    def apply(self, **kwargs: Any) -> None:
        for placeholder in list(self.document.findall(figure_caption)):
            parent = placeholder.parent
            i = parent.index(placeholder)
            cell = parent[i - 1] if i else None
            if cell is None or "cell" not in cell.get("classes", []):
                raise self.document.reporter.severe(
                    "figure-caption must follow the code cell that shows the figure",
                    base_node=placeholder,
                )
            bundles = [
                b
                for b in cell.findall(nodes.container)
                if b.get("nb_element") == "mime_bundle" and next(b.findall(nodes.image), None)
            ]
            if not bundles and not self.config.vgrad_fast:
                raise self.document.reporter.severe(
                    "figure-caption: the cell above shows no figure", base_node=placeholder
                )
            for bundle in bundles:
                bundle.parent.remove(bundle)
            # figures.show displays light PNG, SVG, dark PNG: the SVG is a download only.
            svgs = [b for b in bundles if next(b.findall(nodes.image))["uri"].endswith(".svg")]
            figure = _figure_node(
                self.env,
                [b for b in bundles if b not in svgs],
                placeholder[0],
                placeholder.children[1:],
                placeholder["label"],
                svg=next(svgs[0].findall(nodes.image))["uri"] if svgs else None,
            )
            self.document.note_explicit_target(figure, figure)
            placeholder.replace_self(figure)


# -- chapter cards and descriptions ------------------------------------------------------------


class chapter_cards(nodes.General, nodes.Element):
    """Placeholder, filled at doctree-resolved with one card per chapter."""


class cards_html(nodes.General, nodes.Element):
    """The finished cards: ``cards`` holds (href, number, title, description, minutes)."""


def _visit_cards(self: Any, node: cards_html) -> None:
    out = ['<ol class="vgrad-cards">']
    for href, number, title, description, minutes in node["cards"]:
        out.append(
            f'<li class="vgrad-card"><a href="{self.attval(href)}">'
            f'<span class="vgrad-card-number">{number}</span>'
            f'<span class="vgrad-card-title">{self.encode(title)}</span>'
            f'<span class="vgrad-card-text">{self.encode(description)}</span>'
            f'<span class="vgrad-card-time">{minutes} min</span></a></li>'
        )
    out.append("</ol>\n")
    self.body.append("".join(out))
    raise nodes.SkipNode


def _fill_cards(app: Any, doctree: nodes.document, docname: str) -> None:
    for placeholder in list(doctree.findall(chapter_cards)):
        cards = []
        for doc in app.env.toctree_includes.get(app.config.root_doc, []):
            if doc in words.NOT_CHAPTERS:
                continue
            meta = app.env.metadata.get(doc, {})
            count = words.count(Path(app.env.doc2path(doc)))
            href = app.builder.get_relative_uri(docname, doc)
            title = app.env.titles[doc].astext()
            cards.append((href, len(cards) + 1, title, meta.get("description", ""), count.minutes))
        placeholder.replace_self(cards_html(cards=cards))


def _meta_description(app: Any, pagename: str, templatename: str, context: dict, doctree) -> None:
    description = app.env.metadata.get(pagename, {}).get("description")
    if description:
        tag = f'<meta name="description" content="{html.escape(str(description))}" />\n'
        context["metatags"] = context.get("metatags", "") + tag


# -- Going further: gated blocks --------------------------------------------------------------


class further_start(nodes.General, nodes.Element):
    pass


class further_end(nodes.General, nodes.Element):
    pass


class FurtherStart(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        node = further_start(title=self.arguments[0])
        self.set_source_info(node)
        return [node]


class FurtherEnd(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        node = further_end()
        self.set_source_info(node)
        return [node]


class MergeFurther(SphinxTransform):
    """Wrap everything between a ``going-further-start`` and the next
    ``going-further-end`` among its siblings into one collapsed block."""

    default_priority = 12

    def apply(self, **kwargs: Any) -> None:
        for start in list(self.document.findall(further_start)):
            parent = start.parent
            i = parent.index(start)
            j = next(
                (k for k in range(i + 1, len(parent)) if isinstance(parent[k], further_end)),
                None,
            )
            if j is None or any(isinstance(c, further_start) for c in parent.children[i + 1 : j]):
                raise self.document.reporter.severe(
                    "going-further-start has no going-further-end among its siblings "
                    "(no heading may sit between the two markers)",
                    base_node=start,
                )
            block = details(summary=f"Going further: {start['title']}", classes=["vgrad-further"])
            block += parent.children[i + 1 : j]
            for child in parent.children[i : j + 1]:
                parent.remove(child)
            parent.insert(i, block)
        for end in list(self.document.findall(further_end)):
            raise self.document.reporter.severe(
                "going-further-end without a going-further-start", base_node=end
            )


def setup(app: Any) -> dict[str, Any]:
    # The pages that list other pages' content: the corrections, the chapter cards, the
    # exercises (exercises.py).
    app.add_config_value(
        "vgrad_generated_list_docs", ["corrections", "index", "exercises"], "env", list
    )
    app.add_node(details, html=(_visit_details, _depart_details))
    app.add_config_value("vgrad_fast", False, "env", bool)
    # Placeholders, each replaced before any page is written.
    for node in (further_start, further_end, lecture_corrections, figure_caption, chapter_cards):
        app.add_node(node)
    app.add_directive("chapter-goals", ChapterGoals)
    app.add_directive("concept-check", ConceptCheck)
    app.add_directive("lecture-correction", LectureCorrection)
    app.add_directive("vgrad-lecture-corrections", placeholder_directive(lecture_corrections))
    app.add_directive("going-further-start", FurtherStart)
    app.add_directive("going-further-end", FurtherEnd)
    app.add_directive("figure-caption", FigureCaption)
    app.add_directive("chapter-cards", placeholder_directive(chapter_cards))
    app.add_node(cards_html, html=(_visit_cards, None))
    app.connect("doctree-resolved", _fill_cards)
    app.connect("html-page-context", _meta_description)
    app.add_directive("gallery-figure", GalleryFigure)
    app.add_transform(MergeFurther)
    app.add_transform(NumberFigures)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _lists_outdated)
    app.connect("doctree-resolved", _fill_corrections)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
