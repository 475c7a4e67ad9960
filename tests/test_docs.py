"""The README quickstart and the README's main command run as documented."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
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
    scores = tmp_path / "scores.json"
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "digits_pipeline.py"), "--out", str(tmp_path), "--json", str(scores)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout
    rows = {(r["features"], r["classifier"]): r["folds"] for r in json.loads(scores.read_text())["rows"]}
    assert len(rows) == 6 and all(len(f["0.25"]) == 5 for f in rows.values())  # 5 folds each
    raw, dae = rows[("raw pixels", "SVC")], rows[("DAE features (25% masking)", "SVC")]
    assert np.mean(raw["0.25"]) == pytest.approx(0.865, abs=0.01)  # the reference figure
    assert np.mean(dae["0.25"]) > np.mean(raw["0.25"]) + 0.02  # clearly above raw pixels on masked inputs
    assert np.mean(dae["0.0"]) > 0.97  # and still good on clean inputs
    # the printed table gives each difference to raw pixels as a paired interval over the folds
    line = next(x for x in out.splitlines() if x.startswith("| DAE features (25% masking) | SVC |"))
    low, high = map(float, re.search(r"\[([-+\d.]+), ([-+\d.]+)\]", line.split("|")[6]).groups())
    assert low > 0 and high > low  # on masked inputs: above raw pixels, the interval excluding 0
    assert (tmp_path / "digits_pipeline.png").stat().st_size > 10_000  # the figure
