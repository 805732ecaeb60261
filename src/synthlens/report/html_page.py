"""paper_figures/index.html: every table, every figure and the claims' verdicts on one page.

Self-contained apart from the figures, which it references by relative path (<img
src="figure2_....png">), so the folder can be opened from disk, copied or served as is. Every
table sits in a box of its own that scrolls sideways (div.scroll, its scroll bar right under it),
so a wide table (Table 2) never widens the page nor moves its heading and notes; a number cell
may wrap before its interval [low, high]. A small inline script counts, after the page has
loaded, how many figures rendered (body data-images-loaded / data-images-total) and shows a
banner when one did not.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from ..config import Params
from . import registry
from .manifest import Manifest, Section
from .rundata import RunData
from .tables.provenance import provenance_tables
from .tabular import Table, to_html

E = html.escape
CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;
color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em}.scroll{overflow-x:auto;max-width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:.5em;vertical-align:top;max-width:100%}
figure img{width:540px;max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;max-width:560px}
.nodata{color:#8b0000;font-weight:bold}.verdict{font-weight:bold;padding:0 .4em}
.PASS{background:#d9f2d9}.FAIL{background:#f8d7d7}.NOT-RUN{background:#eee}
.notes{font-size:.8em;color:#555}#broken{display:none;background:#f8d7d7;padding:.5em}
nav a{margin-right:.8em}
"""
SCRIPT = """
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.dataset.imagesTotal = String(imgs.length);
  document.body.dataset.imagesLoaded = String(ok.length);
  if (ok.length < imgs.length) {
    var b = document.getElementById('broken');
    b.textContent = (imgs.length - ok.length) + ' of ' + imgs.length +
      ' figures did not load: rerun the report stage (dvc repro report).';
    b.style.display = 'block';
  }
});
"""


def sections() -> list[Section]:
    """The page's sections in order: the claims, the registry's (registry.sections()), then
    provenance and the list of files."""
    return [Section("Claims"), *registry.sections(), Section("Provenance"), Section("Files")]


def _anchor(section: str) -> str:
    return section.lower().replace(" ", "-")


def boxed(page: str) -> str:
    """Each <table> of page in its own sideways-scrolling box, and a line break opportunity
    before the interval of a number cell ("0.612 ± 0.020 <wbr>[0.580, 0.640]"): same text."""
    page = page.replace("<table>", '<div class="scroll"><table>').replace(
        "</table>", "</table></div>")
    return re.sub(r'<td class="num">[^<]*</td>', lambda m: m.group(0).replace(" [", " <wbr>["),
                  page)


def claims_html(claims) -> str:
    parts = ['<table><thead><tr><th>#</th><th>claim</th><th>verdict</th><th>numbers</th>'
             "</tr></thead><tbody>"]
    for c in claims:
        cls = c.verdict.replace(" ", "-")
        parts.append(f'<tr><td>{c.number}</td><td>{E(c.claim)}</td>'
                     f'<td><span class="verdict {cls}">{E(c.verdict)}</span></td>'
                     f"<td>{E(c.reason)}</td></tr>")
    parts.append("</tbody></table>")
    for c in claims:
        cls = c.verdict.replace(" ", "-")
        parts.append(f'<details id="claim-{c.number}"><summary>Claim {c.number}: '
                     f'<span class="verdict {cls}">{E(c.verdict)}</span> {E(c.claim)}</summary>'
                     f"<p><b>How it is checked.</b> {E(c.operationalisation)}</p>"
                     f"<p><b>Result.</b> {E(c.reason)}.</p>")
        if c.intervals:
            parts.append(f"<p><b>Bootstrap intervals.</b> {E(c.intervals)}</p>")
        parts += [to_html(t, heading="h4") for t in c.tables if t.rows]
        parts.append("</details>")
    return "\n".join(parts)


def _figure(a) -> str:
    pdf = Path(a.file).with_suffix(".pdf").as_posix()
    cap = E(a.title)
    if a.no_data:
        cap += f'<br><span class="nodata">{E(a.no_data)}</span>'
    return (f'<figure><a href="{E(a.file)}"><img src="{E(a.file)}" alt="{E(a.title)}" '
            f'loading="eager"></a><figcaption>{cap} (<a href="{E(pdf)}">PDF</a>)'
            "</figcaption></figure>")


def render(manifest: Manifest, tables: list[tuple[str, Table]], claims, run: RunData,
           params: Params) -> str:
    g = params.grid
    page = sections()
    intro = {s.title: s.intro for s in page if s.intro}
    body = {s.title: [] for s in page}
    body["Claims"].append(claims_html(claims))
    for a in manifest.artefacts:
        if a.kind == "figure":
            body.setdefault(a.section, []).append(_figure(a))
    for section, table in tables:
        files = " · ".join(f'<a href="{E(f)}">{E(f)}</a>' for f in table.files())
        body.setdefault(section, []).append(to_html(table) + f'<p class="notes">{files}</p>')
    for t in provenance_tables(run):
        body["Provenance"].append(to_html(t))
    items = []
    for a in manifest.artefacts:
        items.append(f'<li><a href="{E(a.file)}">{E(a.file)}</a> — {E(a.title)}</li>')
        if a.kind == "figure":
            pdf = Path(a.file).with_suffix(".pdf").as_posix()
            items.append(f'<li><a href="{E(pdf)}">{E(pdf)}</a></li>')
    body["Files"].append("<ul>" + "".join(items) + "</ul>")
    missing = ""
    if run.missing:
        missing = (f"<p><b>{len(run.missing)} grid cell(s) have no metrics file</b> and are left "
                   f"out: {E(', '.join(run.missing))}</p>")
    if run.missing_beyond:
        missing += (f"<p><b>{len(run.missing_beyond)} template variant(s) or mixture(s) that "
                    "params declare have no metrics file</b> and are left out: "
                    f"{E(', '.join(run.missing_beyond))}</p>")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>synthlens: tables and figures of this run</title>",
           f"<style>{CSS}</style>", f"<script>{SCRIPT}</script>", "</head><body>",
           '<div id="broken"></div>',
           "<h1>synthlens: the tables and figures of this run</h1>",
           f"<p>Profile <code>{E(params.profile)}</code>: {len(g.models)} models "
           f"({E(', '.join(g.models))}) × {len(g.domains)} domains ({E(', '.join(g.domains))}) "
           f"× {len(g.decodings)} decodings ({E(', '.join(g.decodings))}); {len(run.rows)} "
           f"metrics files. Written by <code>python -m synthlens report</code> from "
           "this run's metrics only; nothing is copied from the paper.</p>", missing,
           "<nav>" + "".join(f'<a href="#{_anchor(s)}">{E(s)}</a>' for s in body if body[s])
           + "</nav>"]
    for section, parts in body.items():
        if not parts:
            continue
        out.append(f'<section id="{_anchor(section)}"><h2>{E(section)}</h2>')
        if section in intro:
            out.append(f"<p>{E(intro[section])}</p>")
        out += parts
        out.append("</section>")
    out.append("</body></html>")
    return boxed("\n".join(out)) + "\n"


def write(path: Path, manifest: Manifest, tables: list[tuple[str, Table]], claims,
          run: RunData, params: Params) -> Path:
    path.write_text(render(manifest, tables, claims, run, params), encoding="utf-8")
    return path
