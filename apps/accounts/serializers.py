from rest_framework import serializers

from .models import User


class CurrentUserSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    permissions = serializers.SerializerMethodField()
    mfa_enabled = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "role",
            "role_label",
            "permissions",
            "mfa_enabled",
        ]

    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())
