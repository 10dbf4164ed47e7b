"""The document's blocks as GitHub-flavoured Markdown; figures are referred to in ``figures/``."""


def to_markdown(blocks):
    """The blocks as GitHub-flavoured Markdown, figures referenced in ``figures/``."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append("#" * block[1] + " " + block[2])
        elif kind == "p":
            out.append(block[1])
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            out.append(_md_table(block[1], block[2]))
        elif kind == "code":
            out.append("```\n" + block[1] + "\n```")
        elif kind == "figure":
            fig = block[1]
            out.append(f"![{fig.alt}](figures/{fig.name}.png)\n\n*{fig.caption}*")
    return "\n\n".join(o for o in out if o) + "\n"


def _md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows):
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
