from django.urls import path

from walletdesk.identity.views import auth, security, staff

app_name = "identity"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("login/verify/send/", auth.login_verify_send, name="login_verify_send"),
    path("login/enrol/", auth.login_enrol, name="login_enrol"),
    path(
        "login/enrol/passkey/options/",
        auth.login_enrol_passkey_options,
        name="login_enrol_passkey_options",
    ),
    path("login/enrol/passkey/", auth.login_enrol_passkey, name="login_enrol_passkey"),
    path("login/passkey/options/", auth.passkey_login_options, name="passkey_login_options"),
    path("login/passkey/", auth.passkey_login, name="passkey_login"),
    path("logout/", auth.logout_view, name="logout"),
    path("signup/", auth.signup, name="signup"),
    path("signup/verify/", auth.signup_verify, name="signup_verify"),
    path("password/forgot/", auth.forgot_password, name="forgot_password"),
    path("password/reset/", auth.reset_password, name="reset_password"),
    path("freeze/link/<str:token>/", auth.freeze_from_link, name="freeze_link"),
    path("security/", security.overview, name="security"),
    path("security/verify/", security.step_up, name="step_up"),
    path("security/verify/send/", security.send_step_up_code, name="step_up_send"),
    path("security/password/", security.change_password, name="change_password"),
    path("security/contact/<str:kind>/", security.change_contact, name="change_contact"),
    path("security/contact-confirm/", security.confirm_contact, name="contact_confirm"),
    path("security/2fa/", security.two_factor, name="two_factor"),
    path("security/2fa/disable/", security.two_factor_disable, name="two_factor_disable"),
    path("security/2fa/recovery-codes/", security.recovery_codes, name="recovery_codes"),
    path("security/2fa/sms/", security.sms_second_factor, name="sms_second_factor"),
    path("security/passkeys/", security.passkey_list, name="passkeys"),
    path("security/passkeys/options/", security.passkey_register_options, name="passkey_options"),
    path("security/passkeys/register/", security.passkey_register, name="passkey_register"),
    path(
        "security/passkeys/payment-options/",
        security.passkey_payment_options,
        name="passkey_payment_options",
    ),
    path(
        "security/passkeys/<uuid:public_id>/remove/", security.passkey_remove, name="passkey_remove"
    ),
    path("security/devices/", security.devices, name="devices"),
    path(
        "security/sessions/<uuid:public_id>/revoke/", security.revoke_session, name="revoke_session"
    ),
    path(
        "security/sessions/revoke-others/",
        security.revoke_other_sessions,
        name="revoke_other_sessions",
    ),
    path("security/devices/<uuid:public_id>/forget/", security.forget_device, name="forget_device"),
    path(
        "security/tokens/<uuid:public_id>/revoke/",
        security.revoke_api_token,
        name="revoke_api_token",
    ),
    path("security/payment-password/", security.payment_password, name="payment_password"),
    path(
        "security/payment-password/send/",
        security.payment_password_send,
        name="payment_password_send",
    ),
    path("freeze/", security.freeze, name="freeze"),
    path("unfreeze/", security.unfreeze, name="unfreeze"),
    path("unfreeze/send/", security.unfreeze_send, name="unfreeze_send"),
    path("unfreeze/review/", security.unfreeze_review, name="unfreeze_review"),
    path("profile/", security.profile, name="profile"),
    path("kyc/", security.kyc_submit, name="kyc"),
    path("kyc/documents/<uuid:public_id>/", security.kyc_document, name="kyc_document"),
    path("close/", security.close_account, name="close"),
    path("close/send/", security.close_account_send, name="close_send"),
    path("staff/", staff.approvals, name="staff_home"),
    path("staff/approvals/<uuid:public_id>/", staff.approval_decide, name="staff_approval_decide"),
    path("staff/kyc/", staff.kyc_queue, name="staff_kyc_queue"),
    path("staff/kyc/<uuid:public_id>/", staff.kyc_review, name="staff_kyc_review"),
    path("staff/deliveries/<uuid:public_id>/", staff.deliveries, name="staff_deliveries"),
]
