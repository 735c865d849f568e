"""Server-rendered pages of the archive: the upload page, and the helpers pages share."""

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from assist_web.accounts.permissions import clinician_required


@dataclass(frozen=True)
class FrontendAssets:
    """Static paths (for {% static %}) of one Vite entry and the chunks it imports."""

    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    preloads: list[str] = field(default_factory=list)

    @property
    def built(self) -> bool:
        return bool(self.scripts)


def frontend_assets(entry: str) -> FrontendAssets:
    """Looks up the hashed file names of ``frontend/src/<entry>/main.ts`` in Vite's manifest."""
    manifest = Path(settings.FRONTEND_DIST) / ".vite" / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime_ns
    except FileNotFoundError:
        return FrontendAssets()
    return _assets_from_manifest(str(manifest), mtime, f"src/{entry}/main.ts")


@lru_cache(maxsize=8)
def _assets_from_manifest(manifest: str, mtime: int, key: str) -> FrontendAssets:
    # mtime is part of the cache key: a rebuild while the server runs is picked up.
    chunks = json.loads(Path(manifest).read_text())
    if key not in chunks:
        return FrontendAssets()
    prefix = "frontend/"  # the STATICFILES_DIRS prefix of frontend/dist
    styles: list[str] = []
    preloads: list[str] = []

    def visit(name: str, seen: set[str]) -> None:
        chunk = chunks[name]
        styles.extend(prefix + css for css in chunk.get("css", []) if prefix + css not in styles)
        for imported in chunk.get("imports", []):
            if imported not in seen:
                seen.add(imported)
                preloads.append(prefix + chunks[imported]["file"])
                visit(imported, seen)

    visit(key, {key})
    return FrontendAssets(scripts=[prefix + chunks[key]["file"]], styles=styles, preloads=preloads)


@clinician_required
@ensure_csrf_cookie  # the page's script sends the cookie's token with each upload request
def upload(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/upload.html", {"assets": frontend_assets("upload")})


def person_name(value: str) -> str:
    """A DICOM PN for reading: 'Doe^Jane^^Dr' becomes 'Doe, Jane'."""
    family, _, rest = value.partition("^")
    given = " ".join(part for part in rest.split("^")[:2] if part)
    return f"{family}, {given}" if family and given else family or given


def dicom_date(value: str) -> str:
    """A DICOM DA (YYYYMMDD) as ISO 8601; anything else as it came."""
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value
