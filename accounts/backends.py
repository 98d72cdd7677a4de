"""Authentication backends and the lock-out rule."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check for every sign-in that comes with a request.

    Sign-ins without a request (the test client's login(), shell scripts) have no address to count
    failures against, so they are not refused here; every sign-in over HTTP passes a request.
    """

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PairAndAddressLockoutHandler(AxesDatabaseHandler):
    """Locks a (username, address) pair at AXES_FAILURE_LIMIT and an address at AXES_ADDRESS_FAILURE_LIMIT.

    django-axes counts each entry of AXES_LOCKOUT_PARAMETERS on its own and locks when any reaches the one
    failure limit; an address shared by a whole police station must take more than one person's typos, so the
    address-only count is held against its own, higher limit. A username alone is never locked.
    """

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        failures = 0
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == "ip_address":
                # Reported as reaching the pair's limit once the address reaches its own, and not before.
                count = limit if count >= settings.AXES_ADDRESS_FAILURE_LIMIT else 0
            failures = max(failures, count)
        return failures

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        """A sign-in forgives the person's own failures from that address, never the address's count of guesses
        at other usernames: one valid account must not reset the limit for an attacker sharing its address."""
        parameters = get_lockout_parameters(request, credentials)
        count = 0
        for parameter, attempts in zip(parameters, self.filter_user_attempts(request, credentials), strict=True):
            if parameter != "ip_address":
                count += attempts.delete()[0]
        return count
