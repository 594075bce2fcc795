from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from seeding import api, dev_api

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/", include("rest_framework.urls")),  # log in and out of the browsable API
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/generate-data", api.GenerateDataView.as_view(), name="generate-data"),
    path("admin/clear-data", api.ClearDataView.as_view(), name="clear-data"),
    path("admin/seed-runs/", api.SeedRunListView.as_view(), name="seed-run-list"),
    path("admin/seed-runs/<str:run_id>/", api.SeedRunDetailView.as_view(), name="seed-run-detail"),
    # The same two POSTs for clients that add a slash: a redirect would lose the body (APPEND_SLASH).
    path("admin/generate-data/", api.GenerateDataView.as_view(schema=None)),
    path("admin/clear-data/", api.ClearDataView.as_view(schema=None)),
    path("db/seed", dev_api.SeedDemoClinicView.as_view(), name="db-seed"),  # 002, development only
]
