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


class PaymentPasswordFormatError(WalletDeskError):
    code = "payment_password_format"
    http_status = 400
    message = _("The payment password must be exactly 6 digits.")


class PaymentPasswordTooSimpleError(WalletDeskError):
    code = "payment_password_too_simple"
    http_status = 400
    message = _("Choose a payment password that is not a repeated or sequential number.")
