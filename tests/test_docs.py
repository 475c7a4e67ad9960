"""The README quickstart and the README's main command run as documented."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_readme_quickstart_runs():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, flags=re.S).group(1)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["codes"].shape == (1797, 64)


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"Run the tests.*?```bash\n(.+?)\n```", readme, flags=re.S).group(1)
    assert command in ci.splitlines()


@pytest.mark.slow
def test_digits_example_prints_the_table_and_dae_beats_raw_pixels_on_masked_inputs(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "digits_pipeline.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and re.match(r"0\.\d+", cells[2]):
            rows[(cells[0], cells[1])] = (float(cells[2]), float(cells[3]))
    assert len(rows) == 6
    raw = rows[("raw pixels", "SVC")]
    dae = rows[("DAE features (25% masking)", "SVC")]
    assert raw[1] == pytest.approx(0.865, abs=0.01)  # the reference figure
    assert dae[1] > raw[1] + 0.02  # clearly above raw pixels on masked inputs
    assert dae[0] > 0.97  # and still good on clean inputs
    assert (tmp_path / "digits_pipeline.png").stat().st_size > 10_000  # the figure
