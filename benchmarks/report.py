"""Write every table of measured numbers in the docs from ``benchmarks/results/*.json``.

A generated block in ``README.md`` or ``docs/*.md`` sits between two markers::

    <!-- report: features/digits -->
    ...generated markdown, never edited by hand...
    <!-- /report -->

The name before the slash is a benchmark (``bench_features.py``, whose results are
``results/bench_features.json``); the name after it is one of the blocks that the
script's ``tables(result)`` function returns. Each block ends with the command, commit,
machine and date of the run that produced it.

Usage::

    python benchmarks/report.py          # rewrite every block from the JSON
    python benchmarks/report.py --check  # exit 1 if any block differs from what the JSON gives
    python benchmarks/report.py --only features impute  # rewrite those benchmarks' blocks only
"""

import argparse
import difflib
import importlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
BLOCK = re.compile(r"<!-- report: (?P<name>[\w\-]+/[\w\-]+) -->\n(?P<body>.*?)<!-- /report -->", re.DOTALL)


def documents(root=ROOT):
    """The files that may hold generated blocks."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def provenance(meta, source):
    """One line naming the run behind a block."""
    commit = meta.get("commit", "unknown")
    commit = commit[:10] + ("+dirty" if commit.endswith("+dirty") else "")
    return (f"*Generated from `{source}`: `{meta.get('command', '?')}` at commit {commit}, "
            f"{meta.get('processor', '?')} ({meta.get('cpus', '?')} CPUs), torch {meta.get('torch', '?')}, "
            f"{meta.get('time', '?')[:10]}.*")


def render(benchmark, results=RESULTS):
    """``{block name: markdown}`` for one benchmark, from its JSON."""
    source = results / f"{benchmark}.json"
    if not source.exists():
        raise FileNotFoundError(f"{source.relative_to(ROOT) if source.is_relative_to(ROOT) else source} is missing: "
                                f"run `python benchmarks/{benchmark}.py` and commit its JSON")
    result = json.loads(source.read_text())
    if result.get("meta", {}).get("quick"):
        raise ValueError(f"{source.name} holds a --quick smoke run; the docs report full runs only")
    sys.path.insert(0, str(HERE))
    try:
        tables = importlib.import_module(benchmark).tables(result)
    finally:
        sys.path.remove(str(HERE))
    shown = f"benchmarks/results/{source.name}"
    return {name: f"{text.rstrip()}\n\n{provenance(result['meta'], shown)}\n" for name, text in tables.items()}


def regenerate(text, results=RESULTS, cache=None, only=None):
    """``text`` with every block (of the benchmarks in ``only``, if given) rewritten.

    Raises KeyError naming an unknown block, FileNotFoundError naming a missing JSON.
    """
    cache = {} if cache is None else cache

    def fill(match):
        benchmark, block = match["name"].split("/")
        if only is not None and benchmark not in only:
            return match[0]
        benchmark = f"bench_{benchmark}"
        if benchmark not in cache:
            cache[benchmark] = render(benchmark, results)
        if block not in cache[benchmark]:
            raise KeyError(f"block {match['name']!r}: {benchmark}.tables() gives {sorted(cache[benchmark])}")
        return f"<!-- report: {match['name']} -->\n{cache[benchmark][block]}<!-- /report -->"

    return BLOCK.sub(fill, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="rewrite only these benchmarks' blocks (e.g. features impute); not with --check")
    args = parser.parse_args(argv)
    if args.check and args.only:
        parser.error("--check checks every block; --only is for rewriting some")
    cache, stale, count = {}, [], 0
    for path in documents():
        text = path.read_text()
        count += len(BLOCK.findall(text))
        new = regenerate(text, cache=cache, only=args.only)
        if new == text:
            continue
        stale.append(path)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                       str(path.relative_to(ROOT)), "generated"))
        else:
            path.write_text(new)
    verb = "differ from the JSON" if args.check else "rewritten"
    print(f"{count} generated blocks in {len(documents())} files; {len(stale)} files {verb}"
          + (f": {', '.join(str(p.relative_to(ROOT)) for p in stale)}" if stale else ""))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
