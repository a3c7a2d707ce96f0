"""Settings, read from the environment so that one code base runs the demo and production.

| Variable | Default | Meaning |
|---|---|---|
| `DATABASE_URL` | SQLite in `var/openservice.sqlite3` | any URL dj-database-url understands; PostgreSQL in production |
| `SECRET_KEY` | generated once into `var/secret_key` | production deployments set it |
| `DEBUG` | off | never on in production |
| `ALLOWED_HOSTS` | `127.0.0.1,localhost,[::1]` | comma-separated |
| `TIME_ZONE` | `Europe/Helsinki` | the company's time zone, used for display; instants are stored in UTC |
| `DEFAULT_CURRENCY` | `EUR` | ISO 4217 code for new customers and documents |
| `ORDERS_REQUIRE_AGREEMENT` | off | on: orders created by hand or through the API must name an active service agreement |
| `VAT_DEFAULT_RATE` | `25.5` | VAT % on invoice lines whose item sets none (fees, hours, expenses) |
| `INVOICE_PAYMENT_DAYS` | `14` | days from the issue date to the due date |
| `COMPANY_NAME`, `COMPANY_ADDRESS`, `COMPANY_VAT_ID`, `COMPANY_IBAN`, `COMPANY_EMAIL` | demo values | the company details printed on invoices |
| `ACCRUAL_DEFERRED_ACCOUNT`, `ACCRUAL_REVENUE_ACCOUNT` | `2960`, `3000` | account codes of the accrual export (deferred revenue, recognised revenue) |
| `HTTPS` | off | on behind TLS: secure cookies, HSTS and redirect to https |
| `TRUST_X_FORWARDED_PROTO` | off | on behind a proxy that sets X-Forwarded-Proto |
| `CSRF_TRUSTED_ORIGINS` | empty | comma-separated origins, e.g. `https://service.example.com` |
| `VAR_DIR` | `var/` in the working directory | where the SQLite database, the generated key and static files live |
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


VAR_DIR = Path(os.environ.get("VAR_DIR") or Path.cwd() / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The environment's key, or one generated once into var/ and reused on every start."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    try:
        # Exclusive create, owner-only from the first byte: two processes starting at once
        # agree on one key, and no other user ever reads it.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    # Our apps, in dependency order (a lower app never imports a higher one).
    "openservice.core",
    "openservice.calendars",
    "openservice.customers",
    "openservice.workforce",
    "openservice.catalog",
    "openservice.equipment",
    "openservice.sla",
    "openservice.agreements",
    "openservice.orders",
    "openservice.subscriptions",
    "openservice.billing",
    "openservice.repairs",
    "openservice.returns",
    "openservice.dispatch",
    "openservice.reports",
    "openservice.demo",
    "openservice.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "openservice.core.idempotency.IdempotencyMiddleware",
    "openservice.core.pages.DomainErrorPagesMiddleware",
]

ROOT_URLCONF = "openservice.urls"
WSGI_APPLICATION = "openservice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openservice.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'openservice.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue instead of
    # failing halfway with "database is locked"; WAL lets readers continue meanwhile.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A 64 MiB page cache (the default is 2 MiB): indexes of large tables stay in memory,
        # so bulk writers such as order generation do not slow down as the tables grow.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fi", _("Finnish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE") or "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

DEFAULT_CURRENCY = (os.environ.get("DEFAULT_CURRENCY") or "EUR").upper()
# Manual and API orders must name a service agreement of their customer.
ORDERS_REQUIRE_AGREEMENT = env_bool("ORDERS_REQUIRE_AGREEMENT")

# Billing: VAT (Finland's general rate since September 2024; an item may set its own), payment
# terms, what invoices print about the company, and the accounts of the accrual export.
VAT_DEFAULT_RATE = os.environ.get("VAT_DEFAULT_RATE") or "25.5"
INVOICE_PAYMENT_DAYS = int(os.environ.get("INVOICE_PAYMENT_DAYS") or 14)
# Returns: how many days a return authorisation (RMA) is valid for the goods to arrive.
RETURN_VALIDITY_DAYS = int(os.environ.get("RETURN_VALIDITY_DAYS") or 30)
# Dispatch: travel between sites is the great-circle distance times the detour factor at the
# speed (km/h), unless an OSRM server gives road times; a visit without tasks or hour lines
# takes the default minutes; the optimiser may be given at most the maximum seconds.
DISPATCH_TRAVEL_SPEED_KMH = float(os.environ.get("DISPATCH_TRAVEL_SPEED_KMH") or 30)
DISPATCH_DETOUR_FACTOR = float(os.environ.get("DISPATCH_DETOUR_FACTOR") or 1.3)
DISPATCH_OSRM_URL = os.environ.get("DISPATCH_OSRM_URL") or ""
DISPATCH_DEFAULT_VISIT_MINUTES = int(os.environ.get("DISPATCH_DEFAULT_VISIT_MINUTES") or 60)
DISPATCH_OPTIMISER_MAX_SECONDS = int(os.environ.get("DISPATCH_OPTIMISER_MAX_SECONDS") or 60)
COMPANY_NAME = os.environ.get("COMPANY_NAME") or "OpenService Demo Oy"
COMPANY_ADDRESS = os.environ.get("COMPANY_ADDRESS") or "Hämeentie 1, 00530 Helsinki, Finland"
COMPANY_VAT_ID = os.environ.get("COMPANY_VAT_ID") or "FI12345678"
COMPANY_IBAN = os.environ.get("COMPANY_IBAN") or "FI21 1234 5600 0007 85"
COMPANY_EMAIL = os.environ.get("COMPANY_EMAIL") or "billing@openservice.example"
ACCRUAL_DEFERRED_ACCOUNT = os.environ.get("ACCRUAL_DEFERRED_ACCOUNT") or "2960"
ACCRUAL_REVENUE_ACCOUNT = os.environ.get("ACCRUAL_REVENUE_ACCOUNT") or "3000"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from it once `collectstatic` has run
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files not yet collected (tests, a fresh checkout) are served under their plain names.
WHITENOISE_MANIFEST_STRICT = False

HTTPS = env_bool("HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
