#!/usr/bin/env bash
# Build the documentation offline into docs/_build/html; any Sphinx warning or
# failing gallery example fails the build.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf _build generated auto_examples
python -m sphinx -W --keep-going -b html -j 1 . _build/html
echo "built: $(pwd)/_build/html/index.html"
