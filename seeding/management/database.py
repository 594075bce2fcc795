"""Is the database the seeding commands were pointed at there, reachable and migrated? Said before any work starts."""

import pkgutil
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

UNKNOWN_ALIAS_MESSAGE = "--database {alias!r} is not a database of this project; its databases are: {aliases}."
MISSING_DATABASE_MESSAGE = (
    "The database {name!r} does not exist on {host}. Create it first, for example: createdb {createdb}"
)
UNREACHABLE_MESSAGE = (
    "Cannot connect to the database {name!r} on {host}: is the server running, "
    "and does DATABASE_URL name it (postgres://user@host:port/name)?"
)
UNOPENABLE_SQLITE_MESSAGE = "Cannot open the SQLite database {name}: does its folder exist, and may it be written?"
UNMIGRATED_MESSAGE = (
    "The database {name!r} is missing {count} migration(s), such as {first}. "
    "Run `python manage.py migrate{option}` first."
)


def ensure_database_ready(alias: str) -> None:
    """Raise a CommandError that says what to do when the alias is unknown, the server unreachable or tables missing."""
    if alias not in connections.settings:
        raise CommandError(UNKNOWN_ALIAS_MESSAGE.format(alias=alias, aliases=", ".join(connections.settings)))
    connection = connections[alias]
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise CommandError(_connection_message(connection, exc)) from exc
    if not _has_unrecorded_migration_files(connection):
        return
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        migration = plan[0][0]
        option = "" if alias == "default" else f" --database {alias}"
        first = f"{migration.app_label}.{migration.name}"
        name = connection.settings_dict["NAME"]
        raise CommandError(UNMIGRATED_MESSAGE.format(name=str(name), count=len(plan), first=first, option=option))


def _has_unrecorded_migration_files(connection) -> bool:
    """Is a migration file of some app not recorded as applied? Read from the file names, without importing them.

    When none is, nothing is left to apply; otherwise the full migration plan (which imports every migration,
    a twentieth of a second) decides and names the first. Names as Django's loader takes them: no packages,
    none starting with "_" or "~".
    """
    applied = MigrationRecorder(connection).applied_migrations()
    for app in apps.get_app_configs():
        for name in _migration_file_names(app.label):
            if (app.label, name) not in applied:
                return True
    return False


def _migration_file_names(app_label: str) -> list[str]:
    module, _ = MigrationLoader.migrations_module(app_label)
    try:
        spec = find_spec(module) if module else None
    except ImportError:
        return []
    locations = spec.submodule_search_locations if spec else None
    if not locations:  # no migrations package
        return []
    return [found.name for found in pkgutil.iter_modules(locations) if not found.ispkg and found.name[0] not in "_~"]


def _connection_message(connection, exc: DatabaseError) -> str:
    settings = connection.settings_dict
    name = str(settings["NAME"])
    if connection.vendor == "sqlite":
        return UNOPENABLE_SQLITE_MESSAGE.format(name=name)
    host = f"{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
    if f'database "{name}" does not exist' in str(exc):
        createdb = [f"-h {settings['HOST']}"] if settings.get("HOST") else []
        createdb += [f"-p {settings['PORT']}"] if settings.get("PORT") else []
        createdb += [f"-U {settings['USER']}"] if settings.get("USER") else []
        return MISSING_DATABASE_MESSAGE.format(name=name, host=host, createdb=" ".join([*createdb, name]))
    return UNREACHABLE_MESSAGE.format(name=name, host=host)
