"""A small table model written as CSV, Markdown, LaTeX and HTML by plain string building.

A cell is a str, an int, a float (NaN shown as a dash), a `Stat` (mean ± std, optionally with
a confidence interval [low, high]) or a `Change` (a value before and after). In CSV a `Stat`
column becomes two columns (`h`, `h_std`), four when a cell of it has an interval (`h_ci_low`,
`h_ci_high`), and a `Change` column three (`h_before`, `h_after`, `h_delta`), so the numbers
stay machine-readable; the text formats show them in one cell.
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

DIGITS = 3


@dataclass(frozen=True)
class Stat:
    mean: float
    std: float = float("nan")
    low: float = float("nan")    # confidence interval, shown as [low, high] when both exist
    high: float = float("nan")

    @property
    def has_interval(self) -> bool:
        return is_number(self.low, self.high)


@dataclass(frozen=True)
class Change:
    before: float
    after: float
    before_label: str = "before"
    after_label: str = "after"

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass
class Table:
    name: str                       # file stem, e.g. table2_models
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # printed under the table
    empty_note: str = "no rows: this run has no data for this table"
    keys: list[str] | None = None   # CSV header names (default: the column titles)

    def files(self) -> list[str]:
        return [f"{self.name}.{ext}" for ext in ("csv", "md", "tex")]


def isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def is_number(*values) -> bool:
    """All values are real numbers, none NaN (a metric that exists for this cell)."""
    return all(isinstance(v, (int, float)) and not math.isnan(v) for v in values)


def number_or_nan(v) -> float:
    return v if is_number(v) else float("nan")


def number_in(row: dict, key: str) -> float:
    """row[key] as a float; NaN where the row lacks it or it is not a number."""
    v = row.get(key, float("nan"))
    return float(v) if is_number(v) else float("nan")


def fmt_number(v, digits: int = DIGITS) -> str:
    if v is None or isnan(v):
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != 0 and abs(v) < 10 ** -digits:
            return f"{v:.1e}"
        return f"{v:.{digits}f}"
    return str(v)


def cell_text(v, pm: str = "±", arrow: str = "→") -> str:
    """One cell as plain text (Markdown and HTML use this; LaTeX swaps the symbols)."""
    if isinstance(v, Stat):
        text = fmt_number(v.mean)
        if not isnan(v.std) and not isnan(v.mean) and v.std > 0:
            text += f" {pm} {fmt_number(v.std)}"
        if v.has_interval:
            text += f" [{fmt_number(v.low)}, {fmt_number(v.high)}]"
        return text
    if isinstance(v, Change):
        if isnan(v.before) or isnan(v.after):
            return f"{fmt_number(v.before)} {arrow} {fmt_number(v.after)}"
        return f"{fmt_number(v.before)} {arrow} {fmt_number(v.after)} ({v.delta:+.{DIGITS}f})"
    return fmt_number(v)


# ---------------------------------------------------------------- CSV
def _csv_value(v):
    if v is None or isnan(v) or v == "—":
        return ""
    return v


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if not table.rows:
        w.writerow(["note"])
        w.writerow([table.empty_note])
        return buf.getvalue()
    kinds, intervals = [], []
    for j, _ in enumerate(table.columns):
        col = [r[j] for r in table.rows]
        kinds.append(Change if any(isinstance(c, Change) for c in col) else
                     Stat if any(isinstance(c, Stat) for c in col) else None)
        intervals.append(any(isinstance(c, Stat) and c.has_interval for c in col))
    header = []
    names = table.keys or table.columns
    for name, kind, ci in zip(names, kinds, intervals):
        if kind is Stat:
            header += [name, f"{name}_std"] + ([f"{name}_ci_low", f"{name}_ci_high"] if ci
                                               else [])
        elif kind is Change:
            labels = next(c for c in (r[names.index(name)] for r in table.rows)
                          if isinstance(c, Change))
            header += [f"{name}_{labels.before_label}", f"{name}_{labels.after_label}",
                       f"{name}_delta"]
        else:
            header.append(name)
    w.writerow(header)
    for r in table.rows:
        out = []
        for v, kind, ci in zip(r, kinds, intervals):
            if kind is Stat:
                s = v if isinstance(v, Stat) else Stat(v if isinstance(v, float) else
                                                       float("nan"))
                out += [_csv_value(s.mean), _csv_value(s.std)]
                if ci:
                    out += [_csv_value(s.low), _csv_value(s.high)]
            elif kind is Change:
                c = v if isinstance(v, Change) else Change(float("nan"), float("nan"))
                out += [_csv_value(c.before), _csv_value(c.after), _csv_value(c.delta)]
            else:
                out.append(_csv_value(v))
        w.writerow(out)
    return buf.getvalue()


# ---------------------------------------------------------------- Markdown
def md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def to_markdown(table: Table, heading: str = "##") -> str:
    lines = [f"{heading} {table.title}", ""]
    if not table.rows:
        lines.append(f"*{table.empty_note}*")
    else:
        lines.append("| " + " | ".join(md_escape(c) for c in table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        for r in table.rows:
            lines.append("| " + " | ".join(md_escape(cell_text(v)) for v in r) + " |")
    if table.notes:
        lines.append("")
        lines += [f"- {n}" for n in table.notes]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- LaTeX
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}", "\n": r"\textbackslash{}n", "—": "--", "→": r"$\to$",
        "±": r"$\pm$", "<": r"\textless{}", ">": r"\textgreater{}", "≤": r"$\le$",
        "≥": r"$\ge$", "…": r"\ldots{}", "✓": "yes", "✗": "no", "ρ": r"$\rho$",
        "Δ": r"$\Delta$", "·": r"$\cdot$"}


def tex_escape(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(text))


def to_latex(table: Table) -> str:
    """A plain tabular (booktabs rules), inside a table float with the title as caption."""
    lines = ["% written by synthlens report; needs \\usepackage{booktabs}",
             "\\begin{table}[ht]", "\\centering", "\\small",
             f"\\caption{{{tex_escape(table.title)}}}",
             f"\\label{{tab:{table.name.replace('_', '-')}}}"]
    if not table.rows:
        lines += ["\\begin{tabular}{l}", "\\toprule", f"\\emph{{{tex_escape(table.empty_note)}}} \\\\",
                  "\\bottomrule", "\\end{tabular}"]
    else:
        align = "".join("r" if all(isinstance(r[j], (int, float, Stat, Change)) or r[j] is None
                                   for r in table.rows) else "l"
                        for j in range(len(table.columns)))
        lines += [f"\\begin{{tabular}}{{{align}}}", "\\toprule",
                  " & ".join(tex_escape(c) for c in table.columns) + " \\\\", "\\midrule"]
        for r in table.rows:
            lines.append(" & ".join(tex_escape(cell_text(v)) for v in r) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
    for n in table.notes:
        lines.append(f"\\par\\smallskip\\footnotesize {tex_escape(n)}")
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- HTML
def to_html(table: Table, heading: str = "h3") -> str:
    e = html.escape
    parts = [f'<section class="table" id="{e(table.name)}">',
             f"<{heading}>{e(table.title)}</{heading}>"]
    if not table.rows:
        parts.append(f'<p class="empty">{e(table.empty_note)}</p>')
    else:
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns)
                     + "</tr></thead><tbody>")
        for r in table.rows:
            tds = []
            for v in r:
                num = isinstance(v, (int, float, Stat, Change)) and not isinstance(v, bool)
                text = e(cell_text(v)).replace("\n", "<br>")
                tds.append(f'<td class="num">{text}</td>' if num else f"<td>{text}</td>")
            parts.append("<tr>" + "".join(tds) + "</tr>")
        parts.append("</tbody></table>")
    if table.notes:
        parts.append("<ul class=\"notes\">" + "".join(f"<li>{e(n)}</li>" for n in table.notes)
                     + "</ul>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def write_table(table: Table, out: Path) -> list[Path]:
    """TABLE.csv, TABLE.md and TABLE.tex under out; returns the paths."""
    paths = []
    for ext, text in (("csv", to_csv(table)), ("md", to_markdown(table, heading="#")),
                      ("tex", to_latex(table))):
        path = out / f"{table.name}.{ext}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
