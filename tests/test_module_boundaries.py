"""Imports point one way: the clinic app never reaches into seeding, and generators share helpers, not each other."""

import ast
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GENERATORS = PROJECT_ROOT / "seeding" / "generators"
# Modules of shared helpers that register no entity; an entity module may import these, and nothing else here.
HELPER_MODULES = {"identity", "placement", "registry", "mood", "availability", "treatment"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_clinic_never_imports_seeding():
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "seeding")
        for path in (PROJECT_ROOT / "clinic").rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_entity_generators_import_only_helper_modules():
    entity_modules = {
        path.stem: path for path in GENERATORS.glob("*.py") if path.stem not in HELPER_MODULES | {"__init__"}
    }
    siblings = {}
    for name, path in entity_modules.items():
        imported = {m.rsplit(".", 1)[1] for m in imported_modules(path) if m.startswith("seeding.generators.")}
        siblings[name] = imported - HELPER_MODULES
    assert {name: found for name, found in siblings.items() if found} == {}


def test_helper_modules_register_no_entity():
    for name in HELPER_MODULES - {"registry"}:
        assert "register" not in {
            alias.name
            for node in ast.walk(ast.parse((GENERATORS / f"{name}.py").read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }, name


def test_helper_modules_import_no_entity_module():
    for name in HELPER_MODULES:
        imported = {
            m.rsplit(".", 1)[1]
            for m in imported_modules(GENERATORS / f"{name}.py")
            if m.startswith("seeding.generators.")
        }
        assert imported <= HELPER_MODULES, name


def test_service_reports_user_ids_from_rows_not_from_generator_helpers():
    service = imported_modules(PROJECT_ROOT / "seeding" / "service.py")
    assert {"seeding.generators.identity", "seeding.generators.profiles"}.isdisjoint(service)
