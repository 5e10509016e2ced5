"""Every write in identity: sign-up, sign-in, second factors, recovery, contact changes,
emergency freeze, profile, closure. Views and API endpoints call these and nothing else.

One module per topic; this package re-exports their public names so `actions.<name>` keeps
working. New callers may import from the topic module directly.

Functions that verify a code must run outside the caller's transaction (like
`verify_payment_password`): a wrong attempt has to stay counted while the request is refused.
"""

from __future__ import annotations

from walletdesk.identity.actions._shared import (
    CONSECUTIVE_FAILURE_CEILING as CONSECUTIVE_FAILURE_CEILING,
)
from walletdesk.identity.actions._shared import (
    JUST_CREATED as JUST_CREATED,
)
from walletdesk.identity.actions._shared import (
    PASSKEY_BACKEND as PASSKEY_BACKEND,
)
from walletdesk.identity.actions._shared import (
    PASSWORD_BACKEND as PASSWORD_BACKEND,
)
from walletdesk.identity.actions._shared import (
    PENDING_2FA_KEY as PENDING_2FA_KEY,
)
from walletdesk.identity.actions._shared import (
    PENDING_2FA_TTL as PENDING_2FA_TTL,
)
from walletdesk.identity.actions.alerts import (
    FREEZE_LINK_MAX_AGE as FREEZE_LINK_MAX_AGE,
)
from walletdesk.identity.actions.alerts import (
    FREEZE_LINK_SALT as FREEZE_LINK_SALT,
)
from walletdesk.identity.actions.alerts import (
    _security_change as _security_change,
)
from walletdesk.identity.actions.alerts import (
    freeze_link as freeze_link,
)
from walletdesk.identity.actions.alerts import (
    freeze_link_for_public_id as freeze_link_for_public_id,
)
from walletdesk.identity.actions.alerts import (
    user_from_freeze_link as user_from_freeze_link,
)
from walletdesk.identity.actions.closure import (
    RETENTION_YEARS as RETENTION_YEARS,
)
from walletdesk.identity.actions.closure import (
    close_account as close_account,
)
from walletdesk.identity.actions.closure import (
    closure_blockers as closure_blockers,
)
from walletdesk.identity.actions.closure import (
    closure_retention as closure_retention,
)
from walletdesk.identity.actions.closure import (
    send_closure_code as send_closure_code,
)
from walletdesk.identity.actions.contact import (
    CONTACT_PENDING_KEY as CONTACT_PENDING_KEY,
)
from walletdesk.identity.actions.contact import (
    finish_contact_change as finish_contact_change,
)
from walletdesk.identity.actions.contact import (
    start_contact_change as start_contact_change,
)
from walletdesk.identity.actions.freeze import (
    approve_unfreeze_request as approve_unfreeze_request,
)
from walletdesk.identity.actions.freeze import (
    emergency_freeze as emergency_freeze,
)
from walletdesk.identity.actions.freeze import (
    request_unfreeze_review as request_unfreeze_review,
)
from walletdesk.identity.actions.freeze import (
    self_unfreeze as self_unfreeze,
)
from walletdesk.identity.actions.freeze import (
    unfreeze_available_at as unfreeze_available_at,
)
from walletdesk.identity.actions.holds import (
    OutflowHold as OutflowHold,
)
from walletdesk.identity.actions.holds import (
    hold_from as hold_from,
)
from walletdesk.identity.actions.holds import (
    mark_security_change as mark_security_change,
)
from walletdesk.identity.actions.holds import (
    outflow_hold as outflow_hold,
)
from walletdesk.identity.actions.holds import (
    withdrawals_blocked_until as withdrawals_blocked_until,
)
from walletdesk.identity.actions.login import (
    NETWORK_HISTORY as NETWORK_HISTORY,
)
from walletdesk.identity.actions.login import (
    LoginOutcome as LoginOutcome,
)
from walletdesk.identity.actions.login import (
    needs_second_factor as needs_second_factor,
)
from walletdesk.identity.actions.login import (
    verify_second_factor as verify_second_factor,
)
from walletdesk.identity.actions.passwords import (
    change_password as change_password,
)
from walletdesk.identity.actions.passwords import (
    request_password_reset as request_password_reset,
)
from walletdesk.identity.actions.passwords import (
    reset_password as reset_password,
)
from walletdesk.identity.actions.passwords import (
    validate_new_password as validate_new_password,
)
from walletdesk.identity.actions.payment_password import (
    send_payment_password_reset_code as send_payment_password_reset_code,
)
from walletdesk.identity.actions.payment_password import (
    set_payment_password_with_code as set_payment_password_with_code,
)
from walletdesk.identity.actions.profile import (
    set_language as set_language,
)
from walletdesk.identity.actions.profile import (
    update_profile as update_profile,
)
from walletdesk.identity.actions.second_factor import (
    RECOVERY_CODE_COUNT as RECOVERY_CODE_COUNT,
)
from walletdesk.identity.actions.second_factor import (
    confirm_totp as confirm_totp,
)
from walletdesk.identity.actions.second_factor import (
    disable_totp as disable_totp,
)
from walletdesk.identity.actions.second_factor import (
    has_totp as has_totp,
)
from walletdesk.identity.actions.second_factor import (
    regenerate_recovery_codes as regenerate_recovery_codes,
)
from walletdesk.identity.actions.second_factor import (
    require_step_up as require_step_up,
)
from walletdesk.identity.actions.second_factor import (
    send_step_up_code as send_step_up_code,
)
from walletdesk.identity.actions.second_factor import (
    set_sms_second_factor as set_sms_second_factor,
)
from walletdesk.identity.actions.second_factor import (
    start_totp_setup as start_totp_setup,
)
from walletdesk.identity.actions.second_factor import (
    step_up as step_up,
)
from walletdesk.identity.actions.second_factor import (
    use_recovery_code as use_recovery_code,
)
from walletdesk.identity.actions.second_factor import (
    verify_totp as verify_totp,
)
from walletdesk.identity.actions.sessions_tokens import (
    forget_device as forget_device,
)
from walletdesk.identity.actions.sessions_tokens import (
    issue_api_token as issue_api_token,
)
from walletdesk.identity.actions.sessions_tokens import (
    revoke_api_token as revoke_api_token,
)
from walletdesk.identity.actions.sessions_tokens import (
    revoke_other_sessions as revoke_other_sessions,
)
from walletdesk.identity.actions.sessions_tokens import (
    revoke_session as revoke_session,
)
from walletdesk.identity.actions.signup import (
    complete_signup as complete_signup,
)
from walletdesk.identity.actions.signup import (
    is_pending_signup as is_pending_signup,
)
from walletdesk.identity.actions.signup import (
    register_signup as register_signup,
)
from walletdesk.identity.actions.signup import (
    start_signup as start_signup,
)
from walletdesk.identity.enums import Role as Role
