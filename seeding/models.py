import uuid

from django.conf import settings
from django.db import models


class SeedRun(models.Model):
    """The ledger: one row per seeding run, clear and undo, kept whatever became of its rows."""

    class Kind(models.TextChoices):
        GENERATE = "generate"
        CLEAR = "clear"
        UNDO = "undo"

    class Source(models.TextChoices):
        COMMAND = "command"
        API = "api"
        ADMIN = "admin"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued (waiting for a worker)"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        INTERRUPTED = "interrupted"
        ABANDONED = "abandoned", "abandoned (its process died)"
        CLEARED = "cleared", "cleared (its rows were deleted by a clear)"
        UNDONE = "undone"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GENERATE)
    source = models.CharField(max_length=16, choices=Source.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="seed_runs"
    )
    parameters = models.JSONField(default=dict)
    seed = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(default=dict, help_text="Rows written (a run) or deleted (a clear or undo), by kind.")
    error = models.TextField(blank=True, default="")
    # Where the run's process lives, so that a run whose process died can be told from one still going.
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(null=True, blank=True)
    # A background run's rows so far, by kind: {"checkins": {"done": N, "total": M}}, written by its worker.
    progress = models.JSONField(default=dict, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # A sharded run's base (everything but the sharded rows) writes what its shards need to generate the
    # same rows a single process would: the rows' creation time and the units that took a fresh attempt.
    shard_context = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["-started_at"], name="seed_runs_newest_first"),
            models.Index(fields=["status"], name="seed_runs_by_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.kind} {self.id} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SeedShard(models.Model):
    """One slice of a sharded run's units, written by whichever worker takes it, in a transaction of its own."""

    class Status(models.TextChoices):
        WAITING = "waiting", "waiting (for the run's base)"
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    UNFINISHED = (Status.WAITING, Status.PENDING, Status.RUNNING)

    run = models.ForeignKey(SeedRun, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    first_unit = models.PositiveIntegerField()
    end_unit = models.PositiveIntegerField(help_text="The first unit after the shard's.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A running shard's worker pushes this forward while it lives; once past, another worker takes the shard.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, default="", help_text="host:pid of its last worker.")
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="seed_shards_one_per_index")]

    def __str__(self) -> str:
        return f"shard {self.index} of run {self.run_id} ({self.status})"


class SyntheticLogin(models.Model):
    """A login that a seeding run created: auth_user cannot carry a run id of its own."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="synthetic_login"
    )
    run_id = models.UUIDField(db_index=True)

    class Meta:
        db_table = "seeding_synthetic_login"

    def __str__(self) -> str:
        return f"login {self.user_id} of run {self.run_id}"
