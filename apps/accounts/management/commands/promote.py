from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create, user_role_set
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Give a user a role (default: super admin), creating the user with --create. "
        "For bootstrapping the first super admin; later changes belong on the Users screen."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.values, default=Role.SUPER_ADMIN)
        parser.add_argument("--create", action="store_true", help="create the user if missing")

    def handle(self, *args, email: str, role: str, create: bool, **options) -> None:
        user = User.objects.filter(email__iexact=email).first()
        try:
            if user is None:
                if not create:
                    raise CommandError(f"No user {email}; pass --create to create one.")
                user = user_create(email=email, role=role, actor=None, email_verified=True)
                self.stdout.write(
                    f"created {user.email} as {user.get_role_display()}; set a password with "
                    f"'python manage.py changepassword {user.email}' or the reset link"
                )
                return
            user_role_set(user=user, role=role, actor=None)
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(f"{user.email} is now {user.get_role_display()}")
