"""Test settings: the project's settings with DEBUG on, as on a developer's machine (so seeding is
enabled and the database guard accepts pytest's test_* databases), and a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
