from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class WrongPaymentPasswordError(WalletDeskError):
    code = "wrong_payment_password"
    http_status = 403
    message = _("The payment password is wrong. You have %(attempts_left)s tries left.")


class PaymentPasswordLockedError(WalletDeskError):
    code = "payment_password_locked"
    http_status = 423
    message = _(
        "Payments are locked after too many wrong payment passwords. Try again after "
        "%(locked_until)s, or reset your payment password."
    )


class PaymentPasswordNotSetError(WalletDeskError):
    code = "payment_password_not_set"
    http_status = 409
    message = _("Set a payment password in Security settings before paying.")


class PaymentConfirmationRequiredError(WalletDeskError):
    code = "payment_confirmation_required"
    http_status = 400
    message = _("Confirm the payment with your payment password or a passkey.")


class PaymentConfirmationAmbiguousError(WalletDeskError):
    code = "payment_confirmation_ambiguous"
    http_status = 400
    message = _("Confirm the payment with either your payment password or a passkey, not both.")


class PaymentPasswordFormatError(WalletDeskError):
    code = "payment_password_format"
    http_status = 400
    message = _("The payment password must be exactly 6 digits.")


class PaymentPasswordTooSimpleError(WalletDeskError):
    code = "payment_password_too_simple"
    http_status = 400
    message = _("Choose a payment password that is not a repeated or sequential number.")


class LoginThrottledError(WalletDeskError):
    code = "login_throttled"
    http_status = 429
    message = _(
        "Too many attempts. For your safety, signing in with a password is paused for a while. "
        "Try again later, or reset your password."
    )


class InvalidCredentialsError(WalletDeskError):
    code = "invalid_credentials"
    http_status = 400
    message = _("The phone number, email or password is not right. Please try again.")


class CodeInvalidError(WalletDeskError):
    code = "code_invalid"
    http_status = 400
    message = _("The verification code is wrong or has expired. Please check it or get a new one.")


class CodeSendLimitedError(WalletDeskError):
    code = "code_send_limited"
    http_status = 429
    message = _("Verification codes were sent too often. Please wait and try again later.")


class CodeCooldownError(WalletDeskError):
    code = "code_cooldown"
    http_status = 429
    message = _("A code was just sent. You can ask for a new one after %(seconds)s seconds.")


class StepUpRequiredError(WalletDeskError):
    code = "step_up_required"
    http_status = 403
    message = _("For your safety, confirm it's you with your password and a verification code.")


class SecondFactorRequiredError(WalletDeskError):
    code = "second_factor_required"
    http_status = 401
    message = _("Enter the code from your authenticator app or the code we sent you.")


class RateLimitedActionError(WalletDeskError):
    code = "too_many_requests"
    http_status = 429
    message = _("You have done this too often. Please try again later.")


class IdentifierTakenError(WalletDeskError):
    code = "identifier_taken"
    http_status = 400
    message = _("This phone number or email cannot be used. Try another one.")


class UnsafeTextError(WalletDeskError):
    code = "unsafe_text"
    http_status = 400
    message = _(
        "This name contains characters that could be used to impersonate someone. "
        "Use ordinary letters."
    )


class ReservedNameError(WalletDeskError):
    code = "reserved_name"
    http_status = 400
    message = _("This name is reserved. Choose another one.")


class UploadRejectedError(WalletDeskError):
    code = "upload_rejected"
    http_status = 400
    message = _("Upload a clear JPEG, PNG or WebP photo of at most 10 MB.")


class UploadQuotaError(WalletDeskError):
    code = "upload_quota"
    http_status = 429
    message = _("You have uploaded too much today. Please try again tomorrow.")


class AccountFrozenError(WalletDeskError):
    code = "account_frozen"
    http_status = 423
    message = _("Your account is frozen. Unfreeze it in Security settings first.")


class UnfreezeCoolOffError(WalletDeskError):
    code = "unfreeze_cool_off"
    http_status = 403
    message = _(
        "For your safety an emergency freeze can be lifted online 24 hours after it started, "
        "from %(available_at)s. Contact support if you need help sooner."
    )


class ClosureBlockedError(WalletDeskError):
    code = "closure_blocked"
    http_status = 409
    message = _("Your account cannot be closed yet. Resolve the items listed first.")


class PasskeyInvalidError(WalletDeskError):
    code = "passkey_invalid"
    http_status = 400
    message = _("The passkey could not be verified. Please try again.")


class WithdrawalHoldError(WalletDeskError):
    code = "hold"
    http_status = 403
    message = _(
        "Withdrawals are paused for 24 hours after a phone or email change, until %(until)s."
    )


class StaffNameError(WalletDeskError):
    code = "staff_name"
    http_status = 400
    message = _("This name looks like the name of one of our staff. Choose another one.")


class UnsafeIdentifierError(WalletDeskError):
    code = "identifier_unsafe"
    http_status = 400
    message = _(
        "This phone number or email contains hidden characters or letters that imitate others. "
        "Type it again with ordinary characters."
    )


class ApprovalExpiredError(WalletDeskError):
    code = "approval_expired"
    http_status = 409
    message = _("This request waited too long and has expired. Ask again if it is still needed.")


class DecisionReasonRequiredError(WalletDeskError):
    code = "decision_reason_required"
    http_status = 400
    message = _("Choose a reason for your decision.")


class MoneyActionReasonRequiredError(WalletDeskError):
    code = "money_action_reason_required"
    http_status = 400
    message = _("Choose a reason code for this money action.")
