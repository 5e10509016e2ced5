"""Every write in identity: sign-up, sign-in, second factors, recovery, contact changes,
emergency freeze, profile, closure. Views and API endpoints call these and nothing else.

One module per topic; this package re-exports their public names so `actions.<name>` keeps
working. New callers may import from the topic module directly.

Actions take plain values and a typed `core.actors.Actor`, never an HTTP request (docs/
development.md, "Actions take an Actor"). The sign-in flow, which signs a web session in and
out, is the session adapter `identity.web_session`.

Functions that verify a code must run outside the caller's transaction (like
`verify_payment_password`): a wrong attempt has to stay counted while the request is refused.
"""

from __future__ import annotations

from walletdesk.identity.actions._shared import (
    CONSECUTIVE_FAILURE_CEILING,
    JUST_CREATED,
    PASSKEY_BACKEND,
    PASSWORD_BACKEND,
    PENDING_2FA_KEY,
    PENDING_2FA_TTL,
)
from walletdesk.identity.actions.alerts import (
    FREEZE_LINK_MAX_AGE,
    FREEZE_LINK_SALT,
    freeze_link,
    freeze_link_for_public_id,
    user_from_freeze_link,
)
from walletdesk.identity.actions.closure import (
    RETENTION_YEARS,
    close_account,
    closure_blockers,
    closure_retention,
    send_closure_code,
)
from walletdesk.identity.actions.contact import (
    CONTACT_PENDING_KEY,
    finish_contact_change,
    start_contact_change,
)
from walletdesk.identity.actions.freeze import (
    approve_unfreeze_request,
    emergency_freeze,
    request_unfreeze_review,
    self_unfreeze,
    unfreeze_available_at,
)
from walletdesk.identity.actions.holds import (
    OutflowHold,
    hold_from,
    mark_security_change,
    outflow_hold,
    withdrawals_blocked_until,
)
from walletdesk.identity.actions.login import (
    NETWORK_HISTORY,
    LoginOutcome,
    needs_second_factor,
    verify_second_factor,
)
from walletdesk.identity.actions.passwords import (
    change_password,
    request_password_reset,
    reset_password,
    validate_new_password,
)
from walletdesk.identity.actions.payment_password import (
    send_payment_password_reset_code,
    set_payment_password_with_code,
)
from walletdesk.identity.actions.profile import (
    set_language,
    update_profile,
)
from walletdesk.identity.actions.second_factor import (
    RECOVERY_CODE_COUNT,
    confirm_totp,
    disable_totp,
    has_totp,
    regenerate_recovery_codes,
    require_step_up,
    send_step_up_code,
    set_sms_second_factor,
    start_totp_setup,
    step_up,
    use_recovery_code,
    verify_totp,
)
from walletdesk.identity.actions.sessions_tokens import (
    forget_device,
    issue_api_token,
    revoke_api_token,
    revoke_other_sessions,
    revoke_session,
)
from walletdesk.identity.actions.signup import (
    complete_signup,
    is_pending_signup,
    register_signup,
    start_signup,
)
from walletdesk.identity.enums import (
    Role,
)

__all__ = [
    "CONSECUTIVE_FAILURE_CEILING",
    "CONTACT_PENDING_KEY",
    "FREEZE_LINK_MAX_AGE",
    "FREEZE_LINK_SALT",
    "JUST_CREATED",
    "NETWORK_HISTORY",
    "PASSKEY_BACKEND",
    "PASSWORD_BACKEND",
    "PENDING_2FA_KEY",
    "PENDING_2FA_TTL",
    "RECOVERY_CODE_COUNT",
    "RETENTION_YEARS",
    "LoginOutcome",
    "OutflowHold",
    "Role",
    "approve_unfreeze_request",
    "change_password",
    "close_account",
    "closure_blockers",
    "closure_retention",
    "complete_signup",
    "confirm_totp",
    "disable_totp",
    "emergency_freeze",
    "finish_contact_change",
    "forget_device",
    "freeze_link",
    "freeze_link_for_public_id",
    "has_totp",
    "hold_from",
    "is_pending_signup",
    "issue_api_token",
    "mark_security_change",
    "needs_second_factor",
    "outflow_hold",
    "regenerate_recovery_codes",
    "register_signup",
    "request_password_reset",
    "request_unfreeze_review",
    "require_step_up",
    "reset_password",
    "revoke_api_token",
    "revoke_other_sessions",
    "revoke_session",
    "self_unfreeze",
    "send_closure_code",
    "send_payment_password_reset_code",
    "send_step_up_code",
    "set_language",
    "set_payment_password_with_code",
    "set_sms_second_factor",
    "start_contact_change",
    "start_signup",
    "start_totp_setup",
    "step_up",
    "unfreeze_available_at",
    "update_profile",
    "use_recovery_code",
    "user_from_freeze_link",
    "validate_new_password",
    "verify_second_factor",
    "verify_totp",
    "withdrawals_blocked_until",
]
