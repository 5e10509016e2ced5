"""Settings shared by every environment. Deployment-specific values come from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.settings.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_optional,
    env_path,
    env_str,
)

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = env_path("WALLETDESK_VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Peers whose X-Forwarded-For (and X-Forwarded-Proto) we believe: the load balancer's addresses or
# networks (walletdesk/core/client_address.py). Empty: the direct peer is the client.
WALLETDESK_TRUSTED_PROXIES = env_list("WALLETDESK_TRUSTED_PROXIES", [])

# Our apps come before Django's contrib apps so that our translations (e.g. 退出登录 for
# "Log out", where the admin says 注销, which in a wallet means closing the account) and
# templates take precedence.
INSTALLED_APPS = [
    "daphne",
    "walletdesk.core",
    "walletdesk.identity",
    "walletdesk.ledger",
    "walletdesk.payments",
    "walletdesk.notifications",
    "walletdesk.realtime",
    "walletdesk.helpcenter",
    "walletdesk.tickets",
    "walletdesk.chat",
    "walletdesk.console",
    "walletdesk.assistant",
    "walletdesk.api",
    "walletdesk.demo",
    "walletdesk.identity.admin_site.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
]

MIDDLEWARE = [
    "walletdesk.core.client_address.ClientAddressMiddleware",
    "walletdesk.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "walletdesk.identity.middleware.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "walletdesk.core.context_processors.site",
                "walletdesk.tickets.context_processors.support",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# SQLite is the embedded default. Every write transaction starts with BEGIN IMMEDIATE so that
# check-then-write sequences in the ledger are serialised; WAL lets readers run alongside.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'walletdesk.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, job-queue broker ----------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
CHANNEL_LAYER_READ_TIMEOUT = 15.0
# redis-py 8's pools refuse a 101st connection at once ("Too many connections"): a process whose
# sockets all reconnect and join their groups together (after a restart) needs one per join in
# flight. Connections are opened only as needed; Redis takes 10,000 clients by default.
CHANNEL_LAYER_MAX_CONNECTIONS = 2000
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "walletdesk",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Redis publish/subscribe: a group send is one PUBLISH, and each process reads what
            # its sockets subscribed to from one connection. The list-based layer
            # (`channels_redis.core`) costs about ten Redis commands per delivered event and
            # keeps a dead process's channels in every group it joined; its only gain, a
            # buffer of 100 events per channel for 60 s, is one the chat does not rely on (the
            # database is the source of truth: docs/realtime.md, "Channel layer").
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # redis-py 8 gives up reading after 5 s by default; the read timeout stays (a dead
            # Redis is still noticed), just longer.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": CHANNEL_LAYER_READ_TIMEOUT,
                        "max_connections": CHANNEL_LAYER_MAX_CONNECTIONS,
                    }
                ],
                "prefix": "walletdesk:channels",
            },
        }
    }
else:
    # The embedded default runs several processes (web, jobs, `manage.py` commands): a cache on
    # disk is one they all see, so a sign-in lockout or a rate limit counted by one holds in all.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Job queue (Celery) -------------------------------------------------------------------------
# Production uses Redis (or RabbitMQ) as broker. The embedded default uses kombu's filesystem
# transport, so `make run` has real background workers and schedules with no external service.
CELERY_BROKER_URL = env_optional("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "jobs"
    for _folder in ("queue", "control", "processed"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "control_folder": str(_queue_dir / "control"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "reconcile-pending-rail-operations": {
        "task": "walletdesk.payments.tasks.reconcile_pending_operations",
        "schedule": timedelta(minutes=2),
    },
    "expire-stale-holds": {
        "task": "walletdesk.ledger.tasks.expire_due_holds",
        "schedule": timedelta(minutes=1),
    },
    "publish-due-help-articles": {
        "task": "walletdesk.helpcenter.tasks.publish_due_articles",
        "schedule": timedelta(minutes=1),
    },
    "prune-idempotency-records": {
        "task": "walletdesk.ledger.tasks.prune_idempotency_records",
        "schedule": timedelta(hours=6),
    },
    "expire-stale-top-ups": {
        "task": "walletdesk.payments.tasks.expire_stale_top_ups",
        "schedule": timedelta(minutes=5),
    },
    "expire-refund-requests": {
        "task": "walletdesk.payments.tasks.expire_refund_requests",
        "schedule": timedelta(minutes=15),
    },
    "sweep-sla-timers": {
        "task": "walletdesk.tickets.tasks.sweep_sla",
        "schedule": timedelta(minutes=1),
    },
    "auto-assign-tickets": {
        "task": "walletdesk.tickets.tasks.auto_assign",
        "schedule": timedelta(minutes=1),
    },
    # Live chat: offers not accepted in time go to the next agent (docs/chat-protocol.md).
    "route-live-chats": {
        "task": "walletdesk.chat.tasks.route_chats",
        "schedule": timedelta(seconds=5),
    },
    # Live chat: chats of agents who went away, and chats an agent left unanswered, go back to
    # the front of the queue.
    "requeue-live-chats": {
        "task": "walletdesk.chat.tasks.requeue_chats",
        "schedule": timedelta(seconds=15),
    },
}

# Seconds an agent has to accept a chat offered to them before it goes to the next agent.
CHAT_OFFER_SECONDS = env_int("CHAT_OFFER_SECONDS", 30)
# Seconds an agent may leave the customer's last message unanswered before the customer is told
# and the chat goes back to the front of the queue.
CHAT_AGENT_SILENCE_SECONDS = env_int("CHAT_AGENT_SILENCE_SECONDS", 180)
# Above this estimated wait (seconds; also when no agent is online) a queued customer gets the
# most relevant help articles at once.
CHAT_PEAK_WAIT_SECONDS = env_int("CHAT_PEAK_WAIT_SECONDS", 300)
# Origins (scheme://host[:port]) of the operator's own sites that may embed the chat widget.
CHAT_WIDGET_ORIGINS = env_list("CHAT_WIDGET_ORIGINS", [])

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "walletdesk.identity.validators.MaximumLengthValidator"},
]
AUTHENTICATION_BACKENDS = [
    "walletdesk.identity.backends.LoginNameBackend",
]
CSRF_FAILURE_VIEW = "walletdesk.core.views.csrf_failure"
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "payments:home"
LOGOUT_REDIRECT_URL = "identity:login"
PASSWORD_RESET_TIMEOUT = 600

SESSION_COOKIE_AGE = 1800
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("WALLETDESK_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# The assistant's trained model (a versioned directory per training run; see docs/assistant.md)
WALLETDESK_NLU_MODEL_DIR = env_path("WALLETDESK_NLU_MODEL_DIR", VAR_DIR / "nlu")
# The assistant's optional LLM (an OpenAI-compatible endpoint: vLLM, Ollama, OpenAI…). Off while
# the URL is empty; when on it only phrases answers and agent summaries (docs/assistant.md).
ASSISTANT_LLM_URL = env_str("ASSISTANT_LLM_URL", "").strip()
ASSISTANT_LLM_MODEL = env_str("ASSISTANT_LLM_MODEL", "").strip()
ASSISTANT_LLM_API_KEY = env_str("ASSISTANT_LLM_API_KEY", "").strip()
ASSISTANT_LLM_TIMEOUT_SECONDS = env_float("ASSISTANT_LLM_TIMEOUT_SECONDS", 4.0)
if ASSISTANT_LLM_URL and not ASSISTANT_LLM_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("ASSISTANT_LLM_URL must start with http:// or https://.")
if ASSISTANT_LLM_URL and not ASSISTANT_LLM_MODEL:
    raise ImproperlyConfigured("Set ASSISTANT_LLM_MODEL when ASSISTANT_LLM_URL is set.")
if not 0 < ASSISTANT_LLM_TIMEOUT_SECONDS <= 60:
    raise ImproperlyConfigured("ASSISTANT_LLM_TIMEOUT_SECONDS must be above 0 and at most 60.")
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FILES = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "walletdesk.api.authentication.SessionAuthentication",
        "walletdesk.identity.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["walletdesk.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["walletdesk.api.renderers.SafeJSONRenderer"],
    "EXCEPTION_HANDLER": "walletdesk.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "walletdesk.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles key on REMOTE_ADDR, which ClientAddressMiddleware has already resolved; DRF's own
    # reading of X-Forwarded-For (the whole header, from anyone) must not come back.
    "NUM_PROXIES": 0,
    # API-2 (walletdesk/api/throttling.py): per account (all its sessions and tokens), per IP
    # without an account, per IP for everything; and the tighter scopes of look-ups.
    "DEFAULT_THROTTLE_CLASSES": [
        "walletdesk.api.throttling.AccountRateThrottle",
        "walletdesk.api.throttling.AnonymousIpRateThrottle",
        "walletdesk.api.throttling.IpRateThrottle",
        "walletdesk.api.throttling.LookupRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "account": "200/min",
        "anon": "100/min",
        "ip": "600/min",
        "wallet_read": "30/min",
        "recipient_lookup": "10/min",
        "nlu_parse": "60/min",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WalletDesk API",
    "DESCRIPTION": "Versioned JSON API of WalletDesk. Errors share one envelope: "
    '{"error": {"code", "message", "details"}, "request_id"}. Clients branch on error.code.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "walletdesk.api.openapi.add_error_envelope",
    ],
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "walletdesk.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # kombu's filesystem transport (embedded job queue) warns that it has no hostname.
        "kombu.connection": {"level": "ERROR"},
    },
}

# --- WalletDesk ---------------------------------------------------------------------------------
WALLETDESK = {
    "SITE_NAME": _("WalletDesk"),
    "DEFAULT_CURRENCY": "CNY",
    # Top-ups and withdrawals still pending after this long are queried at the rail.
    "RECONCILE_AFTER": timedelta(minutes=env_int("WALLETDESK_RECONCILE_AFTER_MINUTES", 10)),
    "TOPUP_EXPIRES_AFTER": timedelta(hours=env_int("WALLETDESK_TOPUP_EXPIRES_HOURS", 24)),
    # A customer's refund request the merchant has not answered in this many days expires.
    "REFUND_REQUEST_EXPIRES_DAYS": env_int("WALLETDESK_REFUND_REQUEST_EXPIRES_DAYS", 7),
    "RAIL_CALLBACK_SECRET": env_str("WALLETDESK_RAIL_CALLBACK_SECRET", ""),
    "RAIL_CALLBACK_TOLERANCE_SECONDS": 300,
    "SANDBOX_RAIL_LATENCY_SECONDS": env_int("WALLETDESK_SANDBOX_RAIL_LATENCY_SECONDS", 3),
    # Which provider serves each rail method: a name from payments.rails.registry.PROVIDER_NAMES
    # ("sandbox") or the dotted path of a class implementing rails.base.RailProvider.
    "RAIL_PROVIDERS": {
        "bank_card": env_str("WALLETDESK_RAIL_PROVIDER_BANK_CARD", "sandbox"),
        "bank_transfer": env_str("WALLETDESK_RAIL_PROVIDER_BANK_TRANSFER", "sandbox"),
        "third_party_wallet": env_str("WALLETDESK_RAIL_PROVIDER_THIRD_PARTY_WALLET", "sandbox"),
    },
    # Production refuses the sandbox rail and the developer outbox unless this is on; then every
    # page carries a "sandbox" ribbon (a staging or demo deployment).
    "ALLOW_SANDBOX": env_bool("WALLETDESK_ALLOW_SANDBOX", False),
    # Security guide MON-1: the most one money command (top-up, withdrawal, transfer, payment,
    # refund, FX quote) may move, per currency, in minor units. 10 000.00 yuan, and about as
    # much in each other currency (rounded down); operator limits by verification level apply
    # on top. Every currency in core.money needs one (system check payments.E001).
    # Where customers reach a person: shown on every page and in every ticket. The complaint
    # contacts are where a customer may go when not satisfied (mainland China: the consumer
    # association and the People's Bank of China's financial consumer hotline).
    "SUPPORT": {
        "HOTLINE": env_str("WALLETDESK_SUPPORT_HOTLINE", "400-000-0000"),
        "HOTLINE_HOURS": env_str("WALLETDESK_SUPPORT_HOTLINE_HOURS", "08:00–22:00"),
        "CONSUMER_HOTLINE": env_str("WALLETDESK_CONSUMER_HOTLINE", "12315"),
        "REGULATOR_HOTLINE": env_str("WALLETDESK_REGULATOR_HOTLINE", "12363"),
    },
    "PER_OPERATION_CAPS": {
        "CNY": 1_000_000,  # 10,000.00
        "USD": 140_000,  # 1,400.00
        "EUR": 129_000,  # 1,290.00
        "HKD": 1_095_000,  # 10,950.00
        "GBP": 110_000,  # 1,100.00
        "SGD": 188_000,  # 1,880.00
        "JPY": 210_000,  # 210,000
        "KRW": 1_950_000,  # 1,950,000
    },
}

# --- Identity and security ----------------------------------------------------------------------
# Numbers from ../shared/guides/security.md; docs/security.md says which test proves each one.
AUTHENTICATION_BACKENDS += ["walletdesk.identity.backends.PasskeyBackend"]
WALLETDESK_PRIVATE_FILES_DIR = env_path("WALLETDESK_PRIVATE_FILES_DIR", VAR_DIR / "private")
WALLETDESK_IDENTITY = {
    # SES-3: idle and absolute session lifetimes by audience.
    "CUSTOMER_IDLE_SECONDS": 30 * 60,
    "STAFF_IDLE_SECONDS": 15 * 60,
    "ABSOLUTE_SECONDS": 12 * 3600,
    # Step-up (password + fresh code) is good for this long before a sensitive change (AUTH-10).
    "STEP_UP_SECONDS": 5 * 60,
    # API tokens for the wallet app follow the same idle and absolute limits as web sessions.
    # WebAuthn relying party. Empty: taken from the request host (fine behind ALLOWED_HOSTS);
    # production should pin both.
    "WEBAUTHN_RP_ID": env_str("WALLETDESK_WEBAUTHN_RP_ID", ""),
    "WEBAUTHN_ORIGINS": env_list("WALLETDESK_WEBAUTHN_ORIGINS", []),
    # IP-to-region lookup: a dotted path to a callable (ip: str) -> str.
    "REGION_PROVIDER": env_str(
        "WALLETDESK_REGION_PROVIDER", "walletdesk.identity.regions.builtin_region"
    ),
    # Withdrawals are held this long after a phone or email change (AUTH-10).
    "CONTACT_CHANGE_HOLD_HOURS": 24,
    # An emergency freeze can be lifted by the customer after this cool-off (AUTH-12).
    "UNFREEZE_COOL_OFF_HOURS": 24,
}
WALLETDESK_APPROVALS = {
    # ACC-4: staff money actions at or above these amounts wait for a second approver who is not
    # the requester. "CUR=amount" pairs; a currency not listed is compared through its CNY
    # equivalent at the current mid rate.
    "MONEY_THRESHOLDS": dict(
        item.split("=", 1)
        for item in env_list("WALLETDESK_APPROVAL_THRESHOLDS", ["CNY=500.00"])
        if "=" in item
    ),
    # A request nobody decided within this time expires.
    "TTL_HOURS": env_int("WALLETDESK_APPROVAL_TTL_HOURS", 72),
}
CELERY_BEAT_SCHEDULE["identity-expire-approvals"] = {
    "task": "walletdesk.identity.tasks.expire_approval_requests",
    "schedule": timedelta(minutes=15),
}
CELERY_BEAT_SCHEDULE["notifications-retry-queued"] = {
    "task": "walletdesk.notifications.tasks.retry_queued_messages",
    "schedule": timedelta(minutes=1),
}
WALLETDESK_NOTIFICATIONS = {
    # A name from notifications.providers.SMS_PROVIDER_NAMES ("dev-outbox") or the dotted path of
    # a class implementing notifications.providers.SmsProvider (a real SMS gateway).
    "SMS_PROVIDER": env_str("WALLETDESK_SMS_PROVIDER", "dev-outbox"),
    # Absolute base for links in SMS/email sent outside a request (freeze links in debit alerts).
    "SITE_URL": env_str("WALLETDESK_SITE_URL", "http://127.0.0.1:8000"),
    # Show the developer outbox page (messages as sent, codes included) to staff. Never in prod.
    "DEV_OUTBOX_PAGE": DEBUG,
}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "WalletDesk <no-reply@walletdesk.local>")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
# "smtp" (Django's SMTP backend with the EMAIL_* settings above), "dev-outbox", or the dotted path
# of any Django email backend. Unset: the developer outbox page in DEBUG, SMTP otherwise.
_EMAIL_BACKEND_NAMES = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "dev-outbox": "walletdesk.notifications.providers.DevOutboxEmailBackend",
}
_email_backend = env_str("DJANGO_EMAIL_BACKEND", "").strip() or ("dev-outbox" if DEBUG else "smtp")
EMAIL_BACKEND = _EMAIL_BACKEND_NAMES.get(_email_backend, _email_backend)

# --- Ticket email (docs/support-desk.md, "Email") ---------------------------------------------
_SUPPORT_ADDRESS = env_str("WALLETDESK_MAIL_SUPPORT_ADDRESS", "support@walletdesk.local")
WALLETDESK_MAIL = {
    # The desk's address: the From of ticket mail; each ticket's Reply-To is support+<number>@...
    "SUPPORT_ADDRESS": _SUPPORT_ADDRESS,
    # The right-hand side of the Message-IDs we write; a message whose own id ends with it is
    # our mail coming back (a loop).
    "MESSAGE_ID_DOMAIN": env_str("WALLETDESK_MAIL_MESSAGE_ID_DOMAIN", "")
    or _SUPPORT_ADDRESS.rpartition("@")[2],
    # Recipients the SMTP listener accepts (plus-addressed variants included); others get 550.
    "INBOUND_ADDRESSES": env_list("WALLETDESK_MAIL_INBOUND_ADDRESSES", [_SUPPORT_ADDRESS]),
    "SMTP_LISTEN_HOST": env_str("WALLETDESK_MAIL_SMTP_HOST", "127.0.0.1"),
    "SMTP_LISTEN_PORT": env_int("WALLETDESK_MAIL_SMTP_PORT", 2525),
    # Largest message accepted (SMTP SIZE; larger gets 552), and attachments kept per message.
    "MAX_MESSAGE_BYTES": env_int("WALLETDESK_MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024),
    "MAX_ATTACHMENTS": env_int("WALLETDESK_MAIL_MAX_ATTACHMENTS", 10),
    # More messages than this from one sender within an hour is a loop: recorded, not answered.
    "LOOP_LIMIT_PER_HOUR": env_int("WALLETDESK_MAIL_LOOP_LIMIT_PER_HOUR", 20),
    # IMAP polling (`manage.py mail_imap_poll`), the alternative to the SMTP listener.
    "IMAP_HOST": env_str("WALLETDESK_MAIL_IMAP_HOST", ""),
    "IMAP_PORT": env_int("WALLETDESK_MAIL_IMAP_PORT", 993),
    "IMAP_SSL": env_bool("WALLETDESK_MAIL_IMAP_SSL", True),
    "IMAP_USER": env_str("WALLETDESK_MAIL_IMAP_USER", ""),
    "IMAP_PASSWORD": env_str("WALLETDESK_MAIL_IMAP_PASSWORD", ""),
    "IMAP_FOLDER": env_str("WALLETDESK_MAIL_IMAP_FOLDER", "INBOX"),
    "IMAP_INTERVAL_SECONDS": env_int("WALLETDESK_MAIL_IMAP_INTERVAL_SECONDS", 60),
    # Satisfaction survey links stop working after this many days.
    "CSAT_LINK_DAYS": env_int("WALLETDESK_CSAT_LINK_DAYS", 14),
}
CELERY_BEAT_SCHEDULE["tickets-deliver-outbound-email"] = {
    "task": "walletdesk.tickets.tasks.deliver_outbound_email",
    "schedule": timedelta(minutes=1),
}
# --- Support desk: attachments, channels, outgoing webhooks (docs/support-desk.md) ------------
# Attachments (security guide UPL-1..4). The proxy in front must allow bodies of
# PER_MESSAGE x MAX_BYTES plus the form (about 51 MiB) on the upload routes.
WALLETDESK_ATTACHMENTS = {
    "MAX_BYTES": 10 * 1024 * 1024,
    "PER_MESSAGE": 5,
    "PER_TICKET": 20,
    "DAILY_BYTES_PER_USER": 100 * 1024 * 1024,
    "MAX_PIXELS": 40_000_000,
    "MAX_SIDE": 16_384,
    "MAX_PDF_PAGES": 300,
    # An upload through the API that no message used is deleted after this long.
    "UNBOUND_TTL_HOURS": 24,
}
# "filesystem" (default: WALLETDESK_VAR_DIR/attachments, served by no web server) or "s3": any
# S3-compatible store through django-storages (`uv pip install "django-storages[s3]"`), with
# WALLETDESK_ATTACHMENT_S3_BUCKET and optionally WALLETDESK_ATTACHMENT_S3_ENDPOINT (MinIO, OSS,
# COS...) and the usual AWS_* credentials in the environment.
_attachment_store = env_str("WALLETDESK_ATTACHMENT_STORAGE", "filesystem")
if _attachment_store == "s3":
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("WALLETDESK_ATTACHMENT_S3_BUCKET"),
            "endpoint_url": env_optional("WALLETDESK_ATTACHMENT_S3_ENDPOINT"),
            "location": "attachments",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "attachments"), "base_url": "/no-public-url/"},
    }
WALLETDESK_WEBHOOKS = {
    # Development and test settings only: lets webhooks and channel replies go to http:// and
    # loopback addresses (a local receiver). Production refuses it (tickets.E001).
    "ALLOW_LOOPBACK": False,
    "CONNECT_TIMEOUT": 5.0,
    "TOTAL_TIMEOUT": 10.0,
    "MAX_RESPONSE_BYTES": 64 * 1024,
    # Retries with exponential backoff and jitter for this long, then the dead-letter list.
    "RETRY_FOR_HOURS": 72,
    "FIRST_RETRY_SECONDS": 30,
    "MAX_RETRY_SECONDS": 6 * 3600,
    # Inbound channel messages: how far a webhook-timestamp may be from now.
    "INBOUND_TOLERANCE_SECONDS": 300,
}
CELERY_BEAT_SCHEDULE["tickets-deliver-outbox"] = {
    "task": "walletdesk.tickets.tasks.deliver_outbox",
    "schedule": timedelta(seconds=30),
}
