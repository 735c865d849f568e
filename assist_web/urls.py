from django.contrib import admin
from django.urls import include, path

from assist_web.archive import uid_paths  # noqa: F401 - registers <uid:...> for the apps' URLs
from assist_web.contours import metrics_pages

urlpatterns = [
    path("", include("assist_web.archive.urls")),
    path("", include("assist_web.inference.urls")),
    path("accounts/", include("assist_web.accounts.urls")),
    path("api/v1/", include("assist_web.archive.api_urls")),
    path("api/v1/", include("assist_web.inference.api_urls")),
    path("api/v1/", include("assist_web.contours.api_urls")),
    path("api/v1/", include("assist_web.contours.worklist_urls")),
    path("metrics/", metrics_pages.metrics, name="metrics"),
    path("dicomweb/", include("assist_web.dicomweb.urls")),
    path("admin/", admin.site.urls),
]
