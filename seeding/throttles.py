"""Rate limits: counts in the shared cache, clients told apart by REMOTE_ADDR (see SEEDING_TRUSTED_PROXIES).

Each throttle reads its rate from settings when it is made, so SEEDING_API_RATE and SEEDING_LOGIN_RATE
are what the throttles apply (DRF's own rate table is read once, at import).
"""

import math
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

LOGIN_THROTTLED_MESSAGE = "Too many login attempts from this address; try again in {seconds} seconds."


class SeedingRateThrottle(UserRateThrottle):
    """The seeding API's writes, per user, at SEEDING_API_RATE."""

    scope = "seeding"

    def get_rate(self) -> str:
        return settings.SEEDING_API_RATE


class AddressRateThrottle(SimpleRateThrottle):
    """Per client address, signed in or not."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    """Password guessing, per address, at SEEDING_LOGIN_RATE: the token endpoint and both login pages."""

    scope = "login"

    def get_rate(self) -> str:
        return settings.SEEDING_LOGIN_RATE


class DevelopmentSeedRateThrottle(AddressRateThrottle):
    """The open development endpoint, per address, at SEEDING_API_RATE."""

    scope = "db-seed"

    def get_rate(self) -> str:
        return settings.SEEDING_API_RATE


def login_throttled(view):
    """Wrap a Django login view: its POSTs count against LoginRateThrottle, as the token endpoint's do."""

    @wraps(view)
    def throttled_view(request: HttpRequest, *args, **kwargs):
        if request.method == "POST":
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                seconds = math.ceil(throttle.wait() or 1)
                response = JsonResponse({"detail": LOGIN_THROTTLED_MESSAGE.format(seconds=seconds)}, status=429)
                response["Retry-After"] = str(seconds)
                return response
        return view(request, *args, **kwargs)

    return throttled_view
