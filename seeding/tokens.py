"""JWT refresh that answers 401, never 500, for a token its user can no longer use."""

from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password


class RevocableTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh (rotating, blacklisting the used token), refusing a token whose user was deleted
    or deactivated, or changed password after it was issued."""

    def validate(self, attrs: dict) -> dict:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if (
            user is None
            or not api_settings.USER_AUTHENTICATION_RULE(user)
            or refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
        ):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        return super().validate(attrs)
