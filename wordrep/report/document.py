"""The report as a document: a list of blocks (headings, paragraphs, lists, tables, code,
figures) that the Markdown and the HTML renderings both read, so they always say the same
thing.

A block is a plain tuple whose first item names its kind: ``("h", level, text)``,
``("p", text)``, ``("ul", items)``, ``("table", header, rows)``, ``("code", text)``,
``("figure", Figure)``. Text may hold `code` spans, as in Markdown.
"""
from dataclasses import dataclass


@dataclass
class Figure:
    """A rendered PNG with the file name it gets in ``figures/`` and its caption."""
    name: str
    png: bytes
    caption: str
    alt: str


def heading(level, text):
    return ("h", level, text)


def para(text):
    return ("p", text)


def bullets(items):
    return ("ul", list(items))


def table(header, rows):
    return ("table", list(header), [list(r) for r in rows])


def code(text):
    return ("code", text)


def figure_block(fig):
    return ("figure", fig)
