"""The document's blocks as one self-contained HTML page: figures inlined as base64 PNG, no
external file, script or URL, so the page can be mailed or opened anywhere.
"""
import base64
import html
import re

SHORT_CELL = 32       # HTML table cells up to this many characters never wrap


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1150px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left;
         vertical-align: top; }
td.short { white-space: nowrap; }  /* keep "[0.027, 0.532]" on one line; long text wraps */
th { background: #f2f2f2; }
.scroll { overflow-x: auto; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.88em; color: #555; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
"""


def to_html(blocks, title):
    """The blocks as one HTML page with the figures inlined (no external file or URL)."""
    body = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            body.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
        elif kind == "p":
            body.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            body.append(_html_table(block[1], block[2]))
        elif kind == "code":
            body.append(f"<pre>{html.escape(block[1])}</pre>")
        elif kind == "figure":
            body.append(_html_figure(block[1]))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _inline(text):
    """Escaped text with `code` spans as <code>, as the Markdown shows them."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_html_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{body}" \
           "</tbody></table></div>"


def _html_cell(value):
    text = str(value)
    short = ' class="short"' if len(text) <= SHORT_CELL else ""
    return f"<td{short}>{html.escape(text)}</td>"


def _html_figure(fig):
    data = base64.b64encode(fig.png).decode("ascii")
    return (f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{html.escape(fig.alt)}\">"
            f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>")
