"""Publishes every chain's head now, as the beat task does on its schedule (docs/LEDGER.md, "Published heads")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.heads import CHAINS, chain_heads_publish, public_key_hex


class Command(BaseCommand):
    help = (
        "Sign and publish each chain's entry count and last hash (stored, on /transparency/ and in CHAIN_HEADS_FILE)."
    )

    def handle(self, *args, **options) -> None:
        try:
            statements = chain_heads_publish()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for statement in statements:
            self.stdout.write(f"{CHAINS[statement.chain][1]}: {statement.entries} entries, head {statement.head_hash}")
        self.stdout.write(
            f"published {len(statements)} signed statements at {statements[0].published_at:%Y-%m-%d %H:%M:%S} UTC "
            f"to {settings.CHAIN_HEADS_FILE}; public key {public_key_hex()}"
        )
