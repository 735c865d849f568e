"""Django settings for an ASSIST site or hub. Every value comes from the environment."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from assist_web.env import env_bool, env_choice, env_int, env_list, env_str
from workers.broker import celery_settings, data_dir

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set (or SECRET_KEY_FILE) when DEBUG is off")
    # Development only: a key kept in the data dir, never shared with another install.
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

# Earlier keys, comma separated (or SECRET_KEY_FALLBACKS_FILE), while rotating: sessions and
# sealed PACS secrets made under them still open until `manage.py secrets_reseal` has run.
SECRET_KEY_FALLBACKS = [
    key.strip() for key in (env_str("SECRET_KEY_FALLBACKS") or "").split(",") if key.strip()
]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
ASSIST_ROLE = env_choice("ASSIST_ROLE", "both", {"site", "hub", "both"})

INSTALLED_APPS = [
    "assist_web.admin_apps.AssistAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "corsheaders",
    "assist_web.accounts",
    "assist_web.archive",
    "assist_web.dicomweb",
    "assist_web.inference",
    "assist_web.contours",
]

MIDDLEWARE = [
    "assist_web.limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "assist_web.urls"
WSGI_APPLICATION = "assist_web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
# Django's password check, locked out after repeated wrong passwords (accounts/signin_guard.py).
AUTHENTICATION_BACKENDS = ["assist_web.accounts.signin_guard.ThrottledModelBackend"]
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "assist_web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_sqlite_file = DATA_DIR / "assist.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{_sqlite_file}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, listener) share the file: wait for locks, don't fail.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Parameters travel separately from the SQL instead of being quoted into it by Python (the
    # per-instance DICOM JSON makes ingest inserts large), and a statement run five times in a
    # connection is prepared: planning the index lookups costs more than running them. (Not on
    # the first run: migrations send several commands in one string, which cannot be prepared.)
    # Behind a connection pooler in transaction mode, set ASSIST_DB_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=5 if env_bool("ASSIST_DB_PREPARED_STATEMENTS", True) else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Vite builds the browser app into frontend/dist (npm run build); it is served under
# STATIC_URL + "frontend/". The folder always exists so a build made after start-up is found.
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
FRONTEND_DIST.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("frontend", FRONTEND_DIST)]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assist_web.accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Uploads: the archive streams large bodies to disk; these bound what one request may send.
ASSIST_MAX_UPLOAD_BYTES = env_int("ASSIST_MAX_UPLOAD_BYTES", 2 * 1024**3, minimum=1024)
ASSIST_MAX_ZIP_UNCOMPRESSED_BYTES = env_int(
    "ASSIST_MAX_ZIP_UNCOMPRESSED_BYTES", 8 * 1024**3, minimum=1024
)
# A DICOM zip compresses 2-5x; anything past 100x is a bomb, not a study.
ASSIST_MAX_ZIP_RATIO = env_int("ASSIST_MAX_ZIP_RATIO", 100, minimum=1)
ASSIST_MAX_ZIP_MEMBERS = env_int("ASSIST_MAX_ZIP_MEMBERS", 100_000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
DATA_UPLOAD_MAX_NUMBER_FILES = 100_000

# DICOM network identity of this site.
ASSIST_AE_TITLE = env_str("ASSIST_AE_TITLE", "ASSIST") or "ASSIST"
ASSIST_DICOM_PORT = env_int("ASSIST_DICOM_PORT", 11112, minimum=1)
ASSIST_DICOM_BIND = env_str("ASSIST_DICOM_BIND", "0.0.0.0") or "0.0.0.0"  # noqa: S104
# Calling AE titles the listener accepts (comma separated); "*" accepts any caller. Unset, the
# listener starts only with DEBUG on (accepting any): a site names its scanners and PACS.
ASSIST_DICOM_ALLOWED_AES = env_list("ASSIST_DICOM_ALLOWED_AES", [])
# Seconds the listener waits on a silent peer (before its association request, between PDUs,
# and for the rest of a PDU it started) before disconnecting it; as Orthanc's DicomScpTimeout.
ASSIST_DICOM_TIMEOUT_SECONDS = env_int("ASSIST_DICOM_TIMEOUT_SECONDS", 30, minimum=1)

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/dicomweb/.*$"
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "x-csrftoken"]

# Set to HTTP_X_REAL_IP when a proxy of the site's own (deploy/nginx.conf) sets X-Real-IP.
ASSIST_CLIENT_ADDR_HEADER = env_str("ASSIST_CLIENT_ADDR_HEADER", "") or ""

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
# Workstations in a clinic are shared: a sign-in lasts a working day at most, and ends when the
# browser closes.
SESSION_COOKIE_AGE = env_int("ASSIST_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "assist_web.accounts.sessions"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Inference jobs (assist_web.inference). A study is picked up once no object has arrived for
# the settle time; a running job whose worker sent nothing for the stale time goes back to the
# queue, at most the max attempts in all. Beat runs the two checks every ..._CHECK_SECONDS.
ASSIST_STUDY_SETTLE_SECONDS = env_int("ASSIST_STUDY_SETTLE_SECONDS", 60)
ASSIST_JOB_STALE_SECONDS = env_int("ASSIST_JOB_STALE_SECONDS", 600, minimum=10)
ASSIST_JOB_MAX_ATTEMPTS = env_int("ASSIST_JOB_MAX_ATTEMPTS", 3, minimum=1)
ASSIST_SETTLE_CHECK_SECONDS = env_int("ASSIST_SETTLE_CHECK_SECONDS", 15, minimum=1)
ASSIST_STALE_CHECK_SECONDS = env_int("ASSIST_STALE_CHECK_SECONDS", 60, minimum=1)
# Treatment margins given to every job, whole millimetres (the site's protocol).
ASSIST_CTV_MARGIN_MM = float(env_int("ASSIST_CTV_MARGIN_MM", 15))
ASSIST_PTV_MARGIN_MM = float(env_int("ASSIST_PTV_MARGIN_MM", 3))
ASSIST_MAX_BUNDLE_BYTES = env_int("ASSIST_MAX_BUNDLE_BYTES", 2 * 1024**3, minimum=1024)

_celery = celery_settings()
CELERY_BROKER_URL = _celery.pop("broker_url")
CELERY_SETTINGS = _celery

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_query": {"()": "assist_web.log_filters.QueryStringDropped"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # pynetdicom logs whole datasets at DEBUG; never let patient data reach the logs.
        "pynetdicom": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # runserver's request lines, without the query strings QIDO searches put patients in.
        "django.server": {"handlers": ["console"], "filters": ["no_query"], "propagate": False},
    },
}
