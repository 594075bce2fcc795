"""What every generator of one run shares: the request, the seed and per-unit randomness."""

import random
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from seeding.pools import TextPools
from seeding.request import SeedRequest

# PBKDF2 takes a third of a second and releases the interpreter lock: it runs beside the run's first queries.
_password_hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hash")


@dataclass
class RunContext:
    request: SeedRequest
    seed: int
    run_id: UUID
    end_date: date
    started_at: datetime
    pools: TextPools
    hashed_password: Future[str] | None = None
    # Units whose first values collided with existing rows: (generator, unit) -> attempt in use.
    attempts: dict[tuple[str, int], int] = field(default_factory=dict)
    # Values computed once per run and shared by every unit (dates, for example).
    cache: dict = field(default_factory=dict)

    @classmethod
    def for_request(
        cls,
        request: SeedRequest,
        *,
        seed: int,
        run_id: UUID,
        end_date: date | None = None,
        started_at: datetime | None = None,
        password_hash: str | None = None,
    ) -> "RunContext":
        """The context of one run: the same request and seed always give the same rows.

        The logins' password is hashed once, unless its hash is given (a queued run's, made when it was queued).
        """
        return cls(
            request=request,
            seed=seed,
            run_id=run_id,
            end_date=end_date or request.end_date or timezone.localdate(),
            started_at=started_at or timezone.now(),
            pools=TextPools.build(request.locale, seed),
            hashed_password=_hashed(request, password_hash),
        )

    @property
    def password_hash(self) -> str | None:
        return self.hashed_password.result() if self.hashed_password else None

    def rng(self, *key: object) -> random.Random:
        """A random source for one unit, derived from the run's seed and the unit's own key."""
        return random.Random(":".join(map(str, (self.seed, *key))))

    def attempt(self, generator: str, unit: int) -> int:
        return self.attempts.get((generator, unit), 0)

    @property
    def timestamp(self) -> str:
        return self.started_at.strftime("%Y-%m-%d %H:%M:%S")


def _hashed(request: SeedRequest, password_hash: str | None) -> Future[str] | None:
    if not request.with_logins:
        return None
    if password_hash is None:
        return _password_hasher.submit(make_password, request.password)
    given = Future()
    given.set_result(password_hash)
    return given
