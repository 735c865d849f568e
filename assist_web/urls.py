from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("assist_web.archive.urls")),
    path("accounts/", include("assist_web.accounts.urls")),
    path("api/v1/", include("assist_web.archive.api_urls")),
    path("api/v1/", include("assist_web.inference.api_urls")),
    path("api/v1/", include("assist_web.contours.api_urls")),
    path("dicomweb/", include("assist_web.dicomweb.urls")),
    path("admin/", admin.site.urls),
]
