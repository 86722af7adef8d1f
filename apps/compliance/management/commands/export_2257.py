"""``manage.py export_2257 --output FILE.zip [--user EMAIL]``: the 18 U.S.C. 2257 inspection
bundle (docs/compliance.md, "2257 records")."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.compliance.services import records_2257_export
from apps.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Write every 2257 record (current version and history), its ID documents decrypted, "
        "an index by legal name and every other name, the Custodian of Records statement and "
        "a SHA-256 manifest into a ZIP. Audited; refused without a Custodian of Records."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", required=True, help="The ZIP file to write.")
        parser.add_argument(
            "--user",
            default="",
            help="Email of the staff member producing it (recorded in the audit log); "
            "without it the export is recorded as made by the system.",
        )

    def handle(self, *args, output: str, user: str, **options) -> None:
        path = Path(output)
        if path.suffix.lower() != ".zip":
            raise CommandError("--output must name a .zip file.")
        if not path.parent.exists():
            raise CommandError(f"The folder {path.parent} does not exist.")
        actor = None
        if user:
            actor = get_user_model().objects.filter(email__iexact=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user with the email {user!r}.")
            if not actor.has_perm("compliance.review_compliance"):
                raise CommandError(f"{user} may not read 2257 records (compliance role needed).")
        try:
            run = records_2257_export(output=path, actor=actor)
        except ApplicationError as error:
            raise CommandError(str(error.detail)) from None
        self.stdout.write(
            f"2257 export written to {path}: {run.record_count} record(s), "
            f"{run.document_count} document(s), {run.file_count} file(s) in the manifest."
        )
