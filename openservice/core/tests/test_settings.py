"""Settings read from the environment, checked in fresh interpreters (settings load once)."""

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]
ENVIRONMENT_SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "HTTPS",
    "TRUST_X_FORWARDED_PROTO",
    "CSRF_TRUSTED_ORIGINS",
    "VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)
PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "openservice.settings"
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "SECRET_KEY": settings.SECRET_KEY,
    "ENGINE": database["ENGINE"],
    "NAME": str(database["NAME"]),
    "HOST": database.get("HOST", ""),
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
}))
"""


def _run(args, var_dir: Path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_SETTINGS}
    environment.update(VAR_DIR=str(var_dir), **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _settings(var_dir: Path, **env) -> dict:
    result = _run(["-c", PRINT_SETTINGS], var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_secret_key_is_generated_once_and_reused(tmp_path):
    first = _settings(tmp_path)
    second = _settings(tmp_path)

    key_file = tmp_path / "secret_key"
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] == key_file.read_text().strip()
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Without DATABASE_URL: SQLite inside VAR_DIR, and the development-safe defaults.
    assert first["ENGINE"] == "django.db.backends.sqlite3"
    assert first["NAME"] == str((tmp_path / "openservice.sqlite3").resolve())
    assert first["DEBUG"] is False
    assert first["SECURE_SSL_REDIRECT"] is False
    assert first["SESSION_COOKIE_SECURE"] is False
    assert first["SECURE_HSTS_SECONDS"] == 0


def test_environment_settings_win(tmp_path):
    key = secrets.token_urlsafe(50)

    values = _settings(
        tmp_path,
        SECRET_KEY=key,
        DATABASE_URL="postgres://openservice:pw@db.example.com:5432/openservice",
        HTTPS="1",
    )

    assert values["SECRET_KEY"] == key
    assert not (tmp_path / "secret_key").exists()
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["NAME"] == "openservice"
    assert values["HOST"] == "db.example.com"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000


@pytest.mark.parametrize("https, expected_returncode", [("1", 0), ("0", 1)])
def test_deploy_check_passes_only_behind_https(tmp_path, https, expected_returncode):
    result = _run(
        ["-m", "openservice", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        HTTPS=https,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="service.example.com",
    )

    assert result.returncode == expected_returncode, result.stdout + result.stderr
    if expected_returncode:
        assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT
        assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE
