"""The documentation runs: docstring examples, and every code block of the README and docs/*.md.

Docstrings: ``doctest`` on the modules that have examples.

Markdown pages (README.md, CONTRIBUTING.md and every docs/**/*.md): each fenced ```` ```python ```` block is run, in
page order, in one namespace per page (a later block sees what an earlier one defined).  A block
that starts with ``>>>`` is run as a doctest.  A ```` ```text ```` block that directly follows a
Python block (only blank lines between) is the output that block must print (compared with
doctest's checker: whitespace-normalised, ``...`` matches anything).  A block that must not run is
preceded by the line ``<!-- docs-test: skip -->`` (there should be almost none).  A page with the
line ``<!-- docs-test: requires MODULE -->`` is skipped when MODULE (an optional dependency, e.g.
torch) cannot be imported.  Failures name the
file and the line of the block; tracebacks point at the line in the Markdown file.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import pathlib
import re
import runpy
import traceback
from dataclasses import dataclass

import beds
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SKIP_MARK = "<!-- docs-test: skip -->"
REQUIRES = re.compile(r"^<!-- docs-test: requires (?P<module>[\w.]+) -->$", re.M)
PYTHON_LANGS = {"python", "py", "python3"}
OUTPUT_LANGS = {"text"}
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

# the modules whose docstrings have examples
MODULES = [
    beds.normal,
    beds.diag_normal,
    beds.categorical,
    beds.regularization,
    beds.thermo,
    beds.dynamics,
    beds.energy,
    beds.special,
    beds.von_mises,
    beds.mvnormal,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"no docstring example found in {module.__name__}"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module.__name__}"


# ------------------------------------------------------------------------------ Markdown blocks
@dataclass
class Block:
    path: pathlib.Path
    line: int  # 1-based line of the first line of code (after the opening fence)
    lang: str
    code: str
    skip: bool
    output: str | None = None  # the text block that follows, if any
    output_line: int = 0

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def parse_blocks(path: pathlib.Path) -> list[Block]:
    """Python code blocks of a Markdown file, each with the ``text`` block that follows it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    last_lang, last_close = "", -10  # language and closing-fence index of the previous block
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"].strip()
        lang = info.split()[0].lower() if info else ""
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and not lines[j].strip().strip(fence[0])):
            j += 1
        if j == len(lines):
            raise AssertionError(f"{path.relative_to(ROOT)}:{i + 1}: unclosed code fence")
        prev = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        indent = len(m["indent"])
        code = "\n".join(ln[indent:] for ln in lines[i + 1 : j])
        adjacent = all(not ln.strip() for ln in lines[last_close + 1 : i])
        if lang in OUTPUT_LANGS and last_lang in PYTHON_LANGS and adjacent and blocks[-1].output is None:
            blocks[-1].output, blocks[-1].output_line = code + "\n", i + 2
        elif lang in PYTHON_LANGS:
            blocks.append(Block(path, i + 2, lang, code, prev == SKIP_MARK))
        last_lang, last_close = lang, j
        i = j + 1
    return blocks


def markdown_files() -> list[pathlib.Path]:
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    docs = ROOT / "docs"
    files += sorted(
        p for p in docs.rglob("*.md") if "_build" not in p.parts and "generated" not in p.relative_to(docs).parts
    )
    return [p for p in files if p.exists()]


def run_block(block: Block, namespace: dict) -> None:
    checker = doctest.OutputChecker()
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.code, namespace, block.where, str(block.path), block.line - 1)
        out = io.StringIO()
        runner = doctest.DocTestRunner(checker=checker, optionflags=FLAGS)
        runner.run(test, out=out.write, clear_globs=False)
        if runner.failures:
            pytest.fail(f"{block.where}: doctest block failed\n{out.getvalue()}", pytrace=False)
        return
    # pad with blank lines so that tracebacks give the line numbers of the Markdown file
    code = compile("\n" * (block.line - 1) + block.code + "\n", str(block.path), "exec")
    buf = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(buf):
            exec(code, namespace)
    except Exception:
        error = traceback.format_exc()
    if error is not None:
        pytest.fail(f"{block.where}: code block raised\n{error}", pytrace=False)
    if block.output is not None and not checker.check_output(block.output, buf.getvalue(), FLAGS):
        pytest.fail(
            f"{block.where}: printed output differs from the text block at line {block.output_line}\n"
            f"expected:\n{block.output}got:\n{buf.getvalue()}",
            pytrace=False,
        )


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_code_blocks(path, tmp_path, monkeypatch):
    for m in REQUIRES.finditer(path.read_text(encoding="utf-8")):
        pytest.importorskip(m["module"])
    blocks = parse_blocks(path)
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    namespace: dict = {"__name__": "__docs__"}
    for block in blocks:
        if not block.skip:
            run_block(block, namespace)


def test_markdown_pages_have_code_blocks():
    """The collector finds the blocks (a broken parser would silently run nothing)."""
    if not (ROOT / "docs").is_dir():
        pytest.skip("README.md and docs/ are not beside the tests (tests run from a wheel's test sources)")
    files = markdown_files()
    assert ROOT / "README.md" in files
    counts = {p.relative_to(ROOT).as_posix(): len(parse_blocks(p)) for p in files}
    assert counts["README.md"] >= 1
    assert counts.get("docs/getting-started.md", 0) >= 5, counts
    skipped = [b.where for p in files for b in parse_blocks(p) if b.skip]
    assert len(skipped) <= 3, f"too many blocks marked '{SKIP_MARK}': {skipped}"


def test_collector_pairs_output_and_reports_lines(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# t\n\n```python\nx = 2\nprint(x + 1)\n```\n\n```text\n3\n```\n\n"
        f"{SKIP_MARK}\n```python\nraise SystemExit\n```\n\n```bash\necho no\n```\n\n```python\nprint(x)\n```\n"
    )
    global ROOT
    old, ROOT = ROOT, tmp_path
    try:
        blocks = parse_blocks(page)
        assert [(b.line, b.skip, b.output) for b in blocks] == [(4, False, "3\n"), (14, True, None), (22, False, None)]
        ns: dict = {}
        run_block(blocks[0], ns)
        bad = Block(page, 4, "python", "print(x + 2)", False, "3\n", 9)
        with pytest.raises(pytest.fail.Exception, match=r"page.md:4: printed output differs"):
            run_block(bad, ns)
        err = Block(page, 22, "python", "1 / 0", False)
        with pytest.raises(pytest.fail.Exception, match=r'page.md:22: code block raised(.|\n)*page.md", line 22'):
            run_block(err, ns)
    finally:
        ROOT = old


# ------------------------------------------------------------------------------ examples/
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# run by tests/test_thermo.py already (with its own checks of the printed figures)
# (torch_digits.py by tests/test_torch_example.py, with fewer steps)
RUN_ELSEWHERE = {"fisher_rao_vs_euclidean.py", "torch_digits.py"}


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.name not in RUN_ELSEWHERE], ids=lambda p: p.name)
def test_example_scripts_run(path, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{path.name} printed nothing"
