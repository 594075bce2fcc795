from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import include, path

from seeding.throttles import login_throttled

urlpatterns = [
    # Before admin.site.urls, so that its login page counts attempts like the API's token endpoint.
    path("admin/login/", login_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", include("seeding.urls")),
]


def start_page(request):
    """A start page in development instead of Django's 404; a deployment has no page here."""
    if not settings.DEBUG:
        raise Http404
    return TemplateResponse(request, "seeding/start.html")


urlpatterns.append(path("", start_page, name="start"))
