from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from seeding import api, dev_api
from seeding.throttles import login_throttled

# The browsable API's log in and out (rest_framework.urls), the login throttled like the token endpoint.
browsable_api_login = [
    path(
        "login/",
        login_throttled(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/", include((browsable_api_login, "rest_framework"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/generate-data", api.GenerateDataView.as_view(), name="generate-data"),
    path("admin/clear-data", api.ClearDataView.as_view(), name="clear-data"),
    path("admin/seed-runs/", api.SeedRunListView.as_view(), name="seed-run-list"),
    path("admin/seed-runs/<str:run_id>/", api.SeedRunDetailView.as_view(), name="seed-run-detail"),
    path("admin/seed-runs/<str:run_id>/cancel", api.SeedRunCancelView.as_view(), name="seed-run-cancel"),
    # The same two POSTs for clients that add a slash: a redirect would lose the body (APPEND_SLASH).
    path("admin/generate-data/", api.GenerateDataView.as_view(schema=None)),
    path("admin/clear-data/", api.ClearDataView.as_view(schema=None)),
    path("db/seed", dev_api.SeedDemoClinicView.as_view(), name="db-seed"),  # development only
]
