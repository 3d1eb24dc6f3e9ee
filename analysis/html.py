"""The pieces every HTML report of govsim is made of: one style sheet, escaping, embedded
charts, tables and the self-contained document.

A report is one file a planner can e-mail, open offline and print: charts are base64 PNG,
styles are inline, there is no script. Chinese text is set in an embedded subset of the CJK
font (listed first in the font stack: it holds only CJK characters, so Latin text falls
through to the system font, and browsers were seen to skip a web font listed after
``system-ui``). All text from data (policy, scenario, grid names, YAML comments, log values)
is escaped with :func:`escape`.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from analysis.atomic import atomic_write
from analysis.fonts import embedded_font_css, font_rc

__all__ = ["CSS", "Chart", "escape", "figure_html", "html_table", "png_base64", "write_document"]

PNG_DPI = 130

CSS = """
:root { --ink:#1d2733; --muted:#5b6776; --line:#d9dee5; --bg:#f6f8fa; --good:#1a7f37;
        --bad:#b42318; --neutral:#6e7781; }
* { box-sizing:border-box; }
body { margin:0; font:15px/1.55 GovsimCJK,system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",
       "Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif; color:var(--ink);
       background:#fff; }
main { max-width:1180px; margin:0 auto; padding:28px 32px 60px; }
header { border-bottom:3px solid var(--ink); padding-bottom:10px; margin-bottom:18px; }
h1 { font-size:26px; margin:0 0 4px; }
h2 { font-size:20px; margin:34px 0 10px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:16px; margin:20px 0 6px; }
.sub { color:var(--muted); font-size:13px; }
.verdict { background:var(--bg); border-left:5px solid var(--ink); padding:10px 16px;
           margin:10px 0; }
.verdict p { margin:4px 0; }
table { border-collapse:collapse; margin:8px 0 14px; font-size:13.5px; }
th, td { border-bottom:1px solid var(--line); padding:5px 10px; text-align:left;
         vertical-align:top; }
th { background:var(--bg); font-weight:600; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.ci { color:var(--muted); font-size:12px; }
.sw { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:6px;
      vertical-align:-1px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
         color:#fff; white-space:nowrap; }
.better { background:var(--good); } .worse { background:var(--bad); }
.changed { background:#0969da; } .no_difference, .too_few { background:var(--neutral); }
.identical, .none_either { background:#8c959f; }
.goal_met { background:var(--good); } .goal_missed { background:var(--bad); }
.goal_undecided { background:var(--neutral); } .too_few_events { background:#bf8700; }
figure { margin:18px 0 26px; }
figure img { max-width:100%; height:auto; border:1px solid var(--line); }
figcaption { color:var(--muted); font-size:13px; margin-top:4px; }
.facts td:first-child { color:var(--muted); }
.nowrap td, .nowrap th { white-space:nowrap; }
.note { color:var(--muted); font-size:13px; }
code { font-size:12.5px; background:var(--bg); padding:1px 4px; border-radius:3px; }
@media print { main { max-width:none; padding:0; } figure { break-inside:avoid; } }
"""


@dataclass
class Chart:
    """A rendered chart ready for embedding."""

    name: str
    title: str
    caption: str
    png_base64: str


def escape(value: object) -> str:
    """HTML-escape any value as text."""
    return html.escape(str(value), quote=True)


def png_base64(fig: Figure, lang: str) -> str:
    """The figure as a base64 PNG, saved in the fonts of ``lang``."""
    buffer = io.BytesIO()
    with rc_context(font_rc(lang)):
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def html_table(headers: Sequence[str] | None, rows: Sequence[Sequence[str]],
          numeric: Sequence[bool] | None = None, css_class: str = "") -> str:
    """An HTML table (no header row when ``headers`` is None); cells are escaped HTML."""
    width = len(headers) if headers is not None else (len(rows[0]) if rows else 0)
    numeric = numeric or [False] * width
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if num else f"<td>{c}</td>"
                         for c, num in zip(row, numeric, strict=True)) + "</tr>"
        for row in rows)
    cls = f' class="{css_class}"' if css_class else ""
    head = ("<thead><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr></thead>"
            if headers is not None else "")
    return f"<table{cls}>{head}<tbody>{body}</tbody></table>"


def figure_html(chart: Chart) -> str:
    """A chart as an embedded PNG; its title is drawn in the image, so the alt text holds it."""
    alt = escape(chart.title or chart.name)
    return (f'<figure id="chart-{escape(chart.name)}"><img alt="{alt}"'
            f' src="data:image/png;base64,{chart.png_base64}">'
            f"<figcaption>{escape(chart.caption)}</figcaption></figure>")


def write_document(path: Path, title: str, body: str, lang: str) -> Path:
    """Write the self-contained page (atomically: a reader never sees half a report)."""
    html_lang = "zh-CN" if lang == "zh" else "en"
    font_css = embedded_font_css(title + body)
    document = (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{font_css}\n{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return atomic_write(path, lambda p: p.write_text(document, encoding="utf-8"))
