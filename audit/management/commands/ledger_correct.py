"""Records a correction for a ledger or access-log entry found wrong without tampering (docs/LEDGER.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.ledger import CORRECTABLE
from audit.services import LedgerCorrectionRefused, ledger_correction_record


class Command(BaseCommand):
    help = (
        "Record an append-only correction naming one entry of the disclosure ledger or the access log whose content "
        "no longer hashes to its stored hash for a reason that is not tampering. Nothing in the chain is changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chain", required=True, choices=list(CORRECTABLE), help="the chain the entry is in")
        parser.add_argument("--sequence", required=True, type=int, help="the entry's sequence number")
        parser.add_argument("--reason", required=True, help="why the entry is wrong; kept with the correction")
        parser.add_argument("--user", help="the username of the person recording it, when they have an account")

    def handle(self, *args, chain: str, sequence: int, reason: str, user: str | None = None, **options) -> None:
        recorded_by = None
        if user:
            recorded_by = get_user_model().objects.filter(username=user).first()
            if recorded_by is None:
                raise CommandError(f"no user {user!r}")
        try:
            correction = ledger_correction_record(
                chain=chain, sequence=sequence, reason=reason, recorded_by=recorded_by
            )
        except LedgerCorrectionRefused as refusal:
            raise CommandError(f"no correction recorded: {refusal}") from None
        self.stdout.write(
            f"recorded correction {correction.sequence}: {chain} entry {sequence} is corrected; its content as found "
            f"hashes to {correction.found_hash}. verify_ledger now reports it as corrected, and as broken if it "
            "changes again."
        )
