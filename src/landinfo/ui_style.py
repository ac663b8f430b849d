"""The look of the browser UI, and the one script it needs: [n] markers scroll to their source card.

The CSS and JavaScript are files in data/static/: landinfo.css, cite-click.js (put in the page head) and
copy.js (the Copy button's clipboard function).
"""
from __future__ import annotations

from .datafiles import static

CSS = static("landinfo.css")
# Gradio's Markdown opens links in a new tab; a marker must instead bring its card into view in this page.
HEAD = f"\n<script>\n{static('cite-click.js')}</script>\n"
COPY_JS = static("copy.js")
