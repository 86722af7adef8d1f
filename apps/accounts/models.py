from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from .roles import STAFF_ROLES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.SUPER_ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. The email address is the login; ``role`` names the one role
    the user holds (its group carries the permissions; set it with ``user_role_set``)."""

    username = None
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, db_index=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        permissions = [
            ("access_dashboard", "Can open the staff dashboard"),
            ("manage_roles", "Can invite users and change their roles"),
            ("view_system_health", "Can see platform and service health"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def has_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def requires_mfa(self) -> bool:
        """Staff must use a second factor; creators may choose to."""
        return self.has_staff_role or self.is_superuser

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email
