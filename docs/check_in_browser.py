"""Open the built docs in headless Chromium as a reader would, and check the figures.

Serves ``docs/_build/html`` on localhost, screenshots the index, one model's
user-guide page and one gallery example with Debian's ``chromium``, and checks
that each page's images exist and are non-empty and that each screenshot shows
a rendered page (enough non-white pixels). Screenshots go to
``docs/_build/screenshots`` (not in git).

Usage:  python docs/check_in_browser.py   (after ``bash docs/build.sh``)
"""

import functools
import html.parser
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import matplotlib.image

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(HERE, "_build", "html")
SHOTS = os.path.join(HERE, "_build", "screenshots")
PAGES = {
    "index": "index.html",
    "user guide (VAE)": "vae.html",
    "gallery (denoising digits)": "auto_examples/plot_denoising_digits.html",
}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1280,1800",
]


class _Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src", ""))


def main():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: apt-get install chromium")
    if not os.path.exists(os.path.join(SITE, "index.html")):
        sys.exit("build the docs first: bash docs/build.sh")
    os.makedirs(SHOTS, exist_ok=True)
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=SITE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    failures = []
    try:
        for name, page in PAGES.items():
            parser = _Images()
            with open(os.path.join(SITE, page), encoding="utf-8") as f:
                parser.feed(f.read())
            figures = [s for s in parser.sources if "sphx_glr" in s or s.endswith(".png")]
            sizes = [os.path.getsize(os.path.normpath(os.path.join(SITE, os.path.dirname(page), s)))
                     for s in figures if not s.startswith(("http", "data:"))]
            shot = os.path.join(SHOTS, page.replace("/", "_").replace(".html", ".png"))
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                f"--screenshot={shot}", f"http://127.0.0.1:{port}/{page}"],
                               capture_output=True, timeout=120, check=True)
            pixels = matplotlib.image.imread(shot)[..., :3]
            ink = float((pixels.mean(axis=2) < 0.9).mean())
            ok = ink > 0.02 and (name == "index" or (figures and min(sizes) > 2000))
            print(f"{name:<28} {page:<45} figures {len(figures)} (smallest {min(sizes, default=0):,} B), "
                  f"non-white pixels {ink:.1%} -> {'ok' if ok else 'FAIL'}   [{shot}]")
            if not ok:
                failures.append(name)
    finally:
        server.shutdown()
    if failures:
        sys.exit(f"browser check failed: {failures}")
    print("browser check passed")


if __name__ == "__main__":
    main()
