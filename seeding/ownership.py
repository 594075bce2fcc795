"""Which rows a run owns, and which rows outside the deletion stand in the way (one place).

A row is synthetic if and only if a seeding run wrote it: clinic tables say which run in their
`synthetic_run_id` column, and logins (auth_user cannot carry one) are recorded in SyntheticLogin.
`is_test_patient` is a label for the clinic app, never what decides ownership.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.models import Q, Value

from seeding.models import SyntheticLogin

RUN_FIELD = "synthetic_run_id"
FIRST_IDS_SHOWN = 5
# Rows that follow the row they point at by design: the ledger keeps its run and forgets the requester,
# a login's ownership record and its issued tokens go with the login.
FOLLOWERS = {"seeding.seedrun", "seeding.syntheticlogin", "token_blacklist.outstandingtoken"}


@dataclass(frozen=True)
class Blocker:
    """Rows outside the deletion (real rows, or another run's) that point at rows it would delete."""

    table: str
    column: str
    references: str
    count: int
    first_ids: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "column": self.column,
            "references": self.references,
            "count": self.count,
            "first_ids": list(self.first_ids),
        }

    def __str__(self) -> str:
        ids = ", ".join(self.first_ids) + (", ..." if self.count > len(self.first_ids) else "")
        rows = f"{self.count} real {self.table} row{'s' if self.count != 1 else ''} (id {ids})"
        return f"{rows} point at synthetic {self.references} through {self.column}"


class Scope:
    """The rows one deletion covers: every run's (clearing) or one run's (undo), over the given models."""

    def __init__(self, registry: Mapping, run_id: UUID | None) -> None:
        self.registry = registry
        self.models = list(dict.fromkeys(generator.model for generator in registry.values()))
        self.run_id = run_id
        # Models without a run column (a project's own generators may write such tables) say what they own.
        self._custom = {g.model: g.owned_rows for g in registry.values() if g.owned_rows is not None}

    def condition(self, model: type[models.Model]) -> Q:
        """Q selecting the model's rows inside the scope."""
        if model in self._custom:
            return Q(pk__in=self._custom[model](self.run_id).values("pk"))
        if model is get_user_model():
            return Q(synthetic_login__isnull=False) if self.run_id is None else Q(synthetic_login__run_id=self.run_id)
        if self.run_id is None:
            return Q(**{f"{RUN_FIELD}__isnull": False})
        return Q(**{RUN_FIELD: self.run_id})

    def rows(self, model: type[models.Model], using: str) -> models.QuerySet:
        return model._base_manager.using(using).filter(self.condition(model))

    def incoming_relations(self) -> Iterable[tuple[type[models.Model], models.Field, type[models.Model]]]:
        """(source model, its foreign key, target model) for every key into a scoped model."""
        for target in self.models:
            for relation in target._meta.related_objects:
                if relation.many_to_many or relation.related_model._meta.label_lower in FOLLOWERS:
                    continue
                yield relation.related_model, relation.field, target

    def outside_rows(self, source, field, target, using: str) -> models.QuerySet:
        """Rows of source outside the scope whose key points at a target row inside it."""
        pointing = source._base_manager.using(using).filter(
            **{f"{field.attname}__in": self.rows(target, using).values("pk")}
        )
        return pointing.exclude(self.condition(source)) if source in self.models else pointing


def find_blockers(scope: Scope, using: str) -> list[Blocker]:
    blockers = []
    for source, field, target in scope.incoming_relations():
        rows = scope.outside_rows(source, field, target, using)
        count = rows.count()
        if count:
            first = rows.order_by("pk").values_list("pk", flat=True)[:FIRST_IDS_SHOWN]
            blockers.append(
                Blocker(
                    table=source._meta.db_table,
                    column=field.column,
                    references=f"{target._meta.db_table}.{field.target_field.column}",
                    count=count,
                    first_ids=tuple(map(str, first)),
                )
            )
    return blockers


def referenced_rows(scope: Scope, using: str) -> dict[type[models.Model], set]:
    """The scoped rows to keep so that nothing outside loses what it points at: those pointed at, and what they need."""
    kept: dict[type[models.Model], set] = {model: set() for model in scope.models}
    for source, field, target in scope.incoming_relations():
        kept[target] |= set(scope.outside_rows(source, field, target, using).values_list(field.attname, flat=True))
    changed = True
    while changed:  # a kept row keeps what it points at, within the scope, until nothing new is added
        changed = False
        for model in scope.models:
            for field in _keys_into(model, scope.models):
                if not kept[model]:
                    continue
                target = field.related_model
                pointed = model._base_manager.using(using).filter(pk__in=kept[model]).values(field.attname)
                needed = set(scope.rows(target, using).filter(pk__in=pointed).values_list("pk", flat=True))
                if needed - kept[target]:
                    kept[target] |= needed
                    changed = True
    return {model: pks for model, pks in kept.items() if pks}


def _keys_into(model, targets) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in targets and (field.many_to_one or field.one_to_one)
    ]


def record_logins(run_id: UUID, usernames: models.QuerySet, using: str) -> None:
    """Record that the run created the logins with these usernames (created just now, inside the run)."""
    users = get_user_model()._base_manager.using(using).filter(username__in=usernames)
    # One INSERT … SELECT: the server copies the ids, rather than each one making a model instance here.
    owned = users.values_list("pk", Value(run_id, output_field=models.UUIDField()))
    select, params = owned.query.get_compiler(using).as_sql()
    meta, quote = SyntheticLogin._meta, connections[using].ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("user", "run_id"))
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {select}", params)


def is_synthetic_login(user) -> bool:
    return bool(getattr(user, "pk", None)) and SyntheticLogin.objects.filter(user_id=user.pk).exists()
