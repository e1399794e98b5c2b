"""The kitchen display's page (issue 10): static files under /kds/, served by this HTTP process.

No separate web server: Envoy routes /kds/ here without a token (the files hold no data); the page logs
in and sends the cook's token with every API call and on the kitchen stream. Plain HTML/CSS/JS, nothing
fetched at run time. The files are package data (pyproject.toml), so an installed wheel has them too.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

KDS_DIR = Path(__file__).with_name("kds")


class _KdsFiles(StaticFiles):
    """StaticFiles that tells browsers to revalidate: a new release's page is picked up on reload."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def mount_kds(app: FastAPI) -> None:
    app.mount("/kds", _KdsFiles(directory=KDS_DIR, html=True), name="kds")
