from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

admin.site.site_header = "LT — live trading"
admin.site.site_title = "LT admin"
admin.site.index_title = "Configuration and state"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/", include("strategies.urls")),
    path("api/v1/", include("execution.urls")),
    path("api/v1/", include("monitoring.urls")),
    path("", include("monitoring.dashboard.urls")),
]
