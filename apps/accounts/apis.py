from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import error_responses

from .serializers import CurrentUserSerializer


class CurrentUserApi(APIView):
    """The signed-in user: role, effective permissions and whether TOTP is enrolled."""

    @extend_schema(
        responses={200: CurrentUserSerializer, **error_responses(401, 403, 429)},
        tags=["accounts"],
    )
    def get(self, request):
        user = request.user
        user.mfa_enabled = is_mfa_enabled(user, [Authenticator.Type.TOTP])
        return Response(CurrentUserSerializer(user).data)
