"""Writes report.md, report.html (figures embedded) and results.json from the experiments' results."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

from ._common import Result, jsonable, md_table

__all__ = ["markdown_to_html", "write_report"]


def _findings_table(results: list[Result]) -> str:
    rows = []
    for r in results:
        for f in r.findings:
            rows.append([f"`{r.name}`", f.claim, f.measured, f"**{f.verdict}**"])
    return md_table(["experiment", "claim", "measured", "verdict"], rows, "llll")


def build_markdown(results: list[Result], meta: dict[str, Any]) -> str:
    m = meta["machine"]
    timing = md_table(
        ["experiment", "wall time (s)", "CPU time (s)", "summary"],
        [[f"`{r.name}`", f"{r.elapsed_s:.1f}", f"{r.cpu_s:.1f}", r.summary] for r in results],
        "lrrl",
    )
    parts = [
        "# BEDS experiments: measured results",
        "",
        f"Command: `{meta['command']}`.  Seeds: {', '.join(str(s) for s in meta['seeds'])} "
        f"({'quick' if meta['quick'] else 'full'} run).  Machine: {m['cpu']}, {m['cores']} cores, "
        f"load average {m['load_average_at_start']} at the start (shared machine), Python {m['python']}, "
        f"numpy {m['numpy']}, beds {m['beds']} ({m['beds_threads']} threads).  Total time "
        f"{meta['total_wall_s']:.1f} s wall, {meta['total_cpu_s']:.1f} s CPU.",
        "",
        "Every number below is in `results.json` (one key per experiment); rerunning the same command "
        "reproduces them exactly.",
        "",
        "## Findings",
        "",
        _findings_table(results),
        "",
        "## Timings",
        "",
        timing,
        "",
    ]
    for i, r in enumerate(results, 1):
        parts += [f"## {i}. `{r.name}`: {r.title}", "", r.markdown.strip(), ""]
    return "\n".join(parts) + "\n"


def _inline(text: str, base: Path) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return out


def _image(alt: str, src: str, base: Path) -> str:
    data = base64.b64encode((base / src).read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/></figure>'


def markdown_to_html(md: str, base: Path, title: str = "BEDS experiments") -> str:
    """Converts the Markdown subset the report uses (headings, paragraphs, tables, images, inline
    code and bold) to a self-contained HTML page, with every image embedded as a data URI."""
    lines = md.splitlines()
    body: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            body.append("<p>" + _inline(" ".join(para), base) + "</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        img = re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", line.strip())
        if not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line[level:].strip(), base)}</h{level}>")
        elif img:
            flush()
            body.append(_image(img.group(1), img.group(2), base))
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            head, rest = rows[0], rows[2:]
            t = ["<table>", "<tr>" + "".join(f"<th>{_inline(c, base)}</th>" for c in head) + "</tr>"]
            t += ["<tr>" + "".join(f"<td>{_inline(c, base)}</td>" for c in r) + "</tr>" for r in rest]
            body.append("\n".join(t + ["</table>"]))
            continue
        else:
            para.append(line.strip())
        i += 1
    flush()
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;font-size:90%}"
        "th{background:#eee}img{max-width:100%}code{background:#f3f3f3;padding:0 3px}"
    )
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(out: Path, results: list[Result], meta: dict[str, Any]) -> dict[str, Path]:
    """Writes the three report files into ``out`` and returns their paths."""
    md = build_markdown(results, meta)
    paths = {"md": out / "report.md", "html": out / "report.html", "json": out / "results.json"}
    paths["md"].write_text(md, encoding="utf-8")
    paths["html"].write_text(markdown_to_html(md, out), encoding="utf-8")
    data = {
        r.name: {
            "title": r.title,
            "summary": r.summary,
            "seeds": meta["seeds"],
            "quick": meta["quick"],
            "machine": meta["machine"],
            "wall_s": r.elapsed_s,
            "cpu_s": r.cpu_s,
            "figures": r.figures,
            "findings": [f.__dict__ for f in r.findings],
            "numbers": r.numbers,
        }
        for r in results
    }
    paths["json"].write_text(json.dumps(jsonable(data), indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return paths
