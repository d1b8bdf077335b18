"""Bibliography style: author-year labels that match the author-year citations.

``docs/conf.py`` sets ``bibtex_default_style = bibliography_style.register_bibliography_style()``.
"""

from __future__ import annotations

from typing import Any


def register_bibliography_style() -> str:
    """Register the pybtex style ``vgrad`` and return its name.

    pybtex's ``plain`` with two changes: labels read "Bengio et al., 1994", matching the
    author-year citations in the text, and a thesis says what kind it is (Hochreiter's 1991
    thesis is a Diplom thesis, which ``plain`` would call a master's thesis).
    """
    from pybtex.backends.plaintext import Backend as PlainText
    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting import toplevel
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.formatting.unsrt import date
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.template import field, optional_field, sentence

    def last_name(person: Any) -> str:
        # What .render_as("text") does, without its plugin look-up: that scans every installed
        # package's entry points on each call, and sphinxcontrib-bibtex formats every label on
        # every build: 0.67 s of a 6.9 s no-change rebuild under cProfile (2026-12-07).
        text = Text.from_latex(" ".join(person.prelast_names + person.last_names))
        return text.render(PlainText())

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries: Any) -> Any:
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [last_name(p) for p in people]
                if len(names) > 2:
                    who = f"{names[0]} et al."
                elif names:
                    who = " & ".join(names)
                else:
                    who = entry.fields.get("key", entry.key)
                yield f"{who}, {entry.fields.get('year', 'n.d.')}"

    class VgradStyle(PlainStyle):
        default_label_style = "vgrad-author-year"

        def get_mastersthesis_template(self, e: Any) -> Any:
            kind = e.fields.get("type", "Master's thesis")
            return toplevel[
                sentence[self.format_names("author")],
                self.format_title(e, "title"),
                sentence[kind, field("school"), optional_field("address"), date],
                sentence[optional_field("note")],
                self.format_web_refs(e),
            ]

    register_plugin("pybtex.style.labels", "vgrad-author-year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "vgrad", VgradStyle, force=True)
    return "vgrad"
