"""What every benchmark writes next to its table: the machine and versions, and the JSON file."""

import json
import os
import platform
import shlex
import subprocess
import sys
import time

import sklearn
import torch

import skae


def cpu_model():
    """The CPU's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def commit():
    """The checkout's commit, with ``+dirty`` when ``skae/`` or ``benchmarks/`` have uncommitted edits."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--", "skae", "benchmarks", ":!benchmarks/results")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def command():
    """The command line that ran this benchmark, as a user would type it from the repository root."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return shlex.join(["python", script, *sys.argv[1:]])


def machine(**extra):
    """The platform, CPU, versions, date, command and commit of a run, plus the run's own settings."""
    return {"machine": platform.platform(), "processor": cpu_model(), "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "torch": torch.__version__, "sklearn": sklearn.__version__,
            "skae": skae.__version__, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "command": command(),
            "commit": commit(), **extra}


def write_json(path, payload):
    """Write ``payload`` to ``path`` (creating its folder) and say so."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
    print(f"\nwrote {path}")


def run_example(path, *args):
    """Run the gallery example at ``path`` as ``python path *args --json FILE``; return what it wrote to FILE.

    ``{folder}`` in ``args`` is a temporary folder (for the example's figures), removed afterwards.
    """
    import runpy
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        scores = os.path.join(folder, "scores.json")
        argv, sys.argv = sys.argv, [path, *(a.format(folder=folder) for a in args), "--json", scores]
        try:
            runpy.run_path(path, run_name="__main__")
        finally:
            sys.argv = argv
        with open(scores) as f:
            return json.load(f)
