"""The interactive API reference at /schema: Swagger UI, served by the app itself.

Swagger UI's files come from the swagger-ui-bundle-v2 package (installed with the project, with
Swagger UI's licence), so the page works on a machine without internet access. The page loads
nothing from elsewhere, and its Content-Security-Policy would refuse it if it tried.
"""

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/schema"
ASSETS_PATH = "/assets"
ASSETS_URL = f"{DOCS_PATH}{ASSETS_PATH}"
SWAGGER_UI_FILES = Path(swagger_ui_path)
# The script that starts Swagger UI: a file, since the policy allows no inline script.
OWN_FILES = Path(__file__).parent / "docs_assets"

# Sent with every answer under DOCS_PATH (adapters/http/app.py): everything from this origin only.
# `data:` images are the icons inside Swagger UI's own stylesheet (a select's arrow, for one):
# nothing is fetched for them, and without it they would be refused.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class OfflineSwaggerUI(OpenAPIRenderPlugin):
    """Swagger UI from this app's own files, at /schema (the default page) and /schema/swagger."""

    def __init__(self) -> None:
        # No favicon or style tags of Litestar's: its favicon comes from a CDN, its style is inline.
        super().__init__(path="/swagger", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(f"{openapi_schema['info']['title']}: API reference")
        openapi_url = escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/taskboard-docs.js"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        # Ours first: a name of ours wins over one of Swagger UI's.
        router.register(create_static_files_router(ASSETS_PATH, [OWN_FILES, SWAGGER_UI_FILES], name="docs"))
