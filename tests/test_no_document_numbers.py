"""The specifications this product was built from are not in the repository, so nothing may cite them by number.

A reader of the code, a `--help` text, a template, a scenario file or the README must learn what is meant in words
("the API's limits", "the clinic scenario"), not from a reference such as a bare document number or an issue number.
"""

import re
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PRODUCT_DIRECTORIES = ["benchmarks", "clinic", "config", "docs", "scenarios", "seeding", "tests"]
PRODUCT_FILES = ["README.md", "Makefile", "pyproject.toml", "manage.py"]
TEXT_SUFFIXES = {".py", ".toml", ".md", ".html", ".txt", ".cfg", ".json", ".yaml", ".yml"}

# A document number stands alone ("see 002", "000's contract") or ends a name (STATISTICS_000); digit groups such
# as 1_000_000 or 1,000,000 are amounts, not references.
DOCUMENT_REFERENCE = re.compile(
    r"(?<![\d,._])00[0-4](?:'s|\b)|[A-Za-z]_00[0-4]s?(?:_|\b)|\bissue #?\d|\bseed[ -]doc",
    re.IGNORECASE,
)


def product_text_files():
    for directory in PRODUCT_DIRECTORIES:
        for path in sorted((PROJECT_ROOT / directory).rglob("*")):
            # This file shows the references it forbids, as examples for the check itself.
            if path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts and path != Path(__file__).resolve():
                yield path
    for name in PRODUCT_FILES:
        yield PROJECT_ROOT / name


def document_references(text):
    return [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if DOCUMENT_REFERENCE.search(line)
    ]


def test_no_product_file_cites_a_document_by_number():
    found = {
        str(path.relative_to(PROJECT_ROOT)): references
        for path in product_text_files()
        if (references := document_references(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("line", "cites"),
    [
        ("| `POST /api/admin/generate-data` | 000's contract |", True),
        ('"""001: generated values that collide"""', True),
        ("STATISTICS_000 = {", True),
        ("# see issue 7 for why", True),
        ("def test_post_answers_with_002s_counts():", True),
        ("SEEDING_MAX_PATIENTS = env_int('SEEDING_MAX_PATIENTS', 1_000_000)", False),
        ("copy_bulk_fk   1,002,841      18.52", False),
        ("the original specification's contract", False),
    ],
)
def test_the_check_tells_a_reference_from_an_amount(line, cites):
    assert bool(document_references(line)) is cites
