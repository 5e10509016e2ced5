"""What each kind of message says. Subjects and bodies are gettext msgids with %(name)s fields,
rendered in the recipient's language. Nothing here may carry a secret except the `code` kind,
whose rendered text is never stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from walletdesk.notifications.enums import Category, Channel


@dataclass(frozen=True, slots=True)
class Spec:
    category: Category
    subject: str | Promise
    body: str | Promise
    default_channels: tuple[Channel, ...]
    # Rendered with a fresh emergency-freeze link for the message's owner (%(link)s).
    freeze_link: bool = False


# What a debit alert says the money went to, by code (merchant names are given as they are).
DEBIT_DESCRIPTIONS: dict[str, str | Promise] = {
    "transfer": _("a transfer"),
    "withdrawal": _("a withdrawal to your bank card"),
}


SPECS: dict[str, Spec] = {
    "code": Spec(
        Category.CODE,
        _("Your verification code"),
        _(
            "Your verification code for %(purpose)s is %(code)s. It expires in 5 minutes. "
            "Never tell anyone this code: our staff will never ask for it."
        ),
        (),
    ),
    # The public contact form's email check (someone who cannot sign in; no account involved).
    "contact_code": Spec(
        Category.CODE,
        _("Your code to contact WalletDesk support"),
        _(
            "Your code to send your request to WalletDesk support is %(code)s. It expires in "
            "%(minutes)s minutes. If you did not write to us, ignore this email: nothing happens "
            "without the code."
        ),
        (),
    ),
    "new_device": Spec(
        Category.SECURITY,
        _("New sign-in to your wallet"),
        _(
            "Your account was signed in at %(time)s on %(device)s (%(region)s, IP %(ip)s). "
            "If this wasn't you, freeze your account now: %(link)s"
        ),
        (Channel.INBOX, Channel.SMS, Channel.EMAIL),
    ),
    "security_change": Spec(
        Category.SECURITY,
        _("Security change on your account"),
        _("%(change)s at %(time)s. If this wasn't you, freeze your account now: %(link)s"),
        (Channel.INBOX, Channel.SMS, Channel.EMAIL),
    ),
    "signup_attempt": Spec(
        Category.SECURITY,
        _("Someone tried to register with your details"),
        _(
            "Someone tried to open a new wallet with your phone number or email at %(time)s. "
            "You already have an account: just log in, or reset your password if you forgot it."
        ),
        (Channel.SMS, Channel.EMAIL),
    ),
    "frozen": Spec(
        Category.SECURITY,
        _("Your account is frozen"),
        _(
            "Your account was frozen at %(time)s: payments, transfers and withdrawals are "
            "stopped and every device was signed out. Money sent to you still arrives. You can "
            "unfreeze it in Security settings after identity checks, from %(available_at)s."
        ),
        (Channel.INBOX, Channel.SMS, Channel.EMAIL),
    ),
    "unfrozen": Spec(
        Category.SECURITY,
        _("Your account is unfrozen"),
        _("Your account was unfrozen at %(time)s. If this wasn't you, contact support at once."),
        (Channel.INBOX, Channel.SMS, Channel.EMAIL),
    ),
    "debit": Spec(
        Category.TRANSACTION,
        _("Payment of %(amount)s"),
        _(
            "%(amount)s left your wallet at %(time)s: %(description)s (reference %(reference)s). "
            "If this wasn't you, freeze your account now: %(link)s"
        ),
        (Channel.INBOX,),
        freeze_link=True,
    ),
    # What happened to the customer's money while they were not looking (a top-up credited by a
    # late answer or a re-query, a payout the bank refused, a transfer from someone else).
    "top_up_credited": Spec(
        Category.TRANSACTION,
        _("Top-up of %(amount)s arrived"),
        _("%(amount)s from your top-up is in your wallet now (%(time)s)."),
        (Channel.INBOX,),
    ),
    "top_up_failed": Spec(
        Category.TRANSACTION,
        _("Top-up of %(amount)s not completed"),
        _(
            "Your top-up of %(amount)s did not go through: %(reason)s. Nothing was added to your "
            "wallet. If money left your bank account, contact support."
        ),
        (Channel.INBOX,),
    ),
    "withdrawal_failed": Spec(
        Category.TRANSACTION,
        _("Withdrawal of %(amount)s not completed"),
        _(
            "Your withdrawal of %(amount)s could not be paid out: %(reason)s. The money is back "
            "in your available balance."
        ),
        (Channel.INBOX,),
    ),
    "money_received": Spec(
        Category.TRANSACTION,
        _("You received %(amount)s"),
        _("%(sender)s sent you %(amount)s (%(time)s)."),
        (Channel.INBOX,),
    ),
    # A customer's refund request to a merchant (payments.refund_requests), at each step.
    "refund_request_sent": Spec(
        Category.TRANSACTION,
        _("Refund request sent to %(merchant)s"),
        _(
            "Your request for a refund of %(amount)s was sent to %(merchant)s. The merchant has "
            "%(days)s days to answer, and we will tell you the answer here."
        ),
        (Channel.INBOX,),
    ),
    "refund_request_accepted": Spec(
        Category.TRANSACTION,
        _("%(merchant)s accepted your refund request"),
        _(
            "%(merchant)s accepted your request for a refund of %(amount)s: %(credited)s is back "
            "in your wallet balance."
        ),
        (Channel.INBOX,),
    ),
    "refund_request_refused": Spec(
        Category.TRANSACTION,
        _("%(merchant)s refused your refund request"),
        _(
            "%(merchant)s refused your request for a refund of %(amount)s: %(reason)s. No money "
            "moved. If you disagree, contact support from the payment's record page and we will "
            "look into it with the merchant."
        ),
        (Channel.INBOX,),
    ),
    "refund_request_expired": Spec(
        Category.TRANSACTION,
        _("No answer to your refund request"),
        _(
            "%(merchant)s did not answer your request for a refund of %(amount)s in time. No "
            "money moved. You can ask again, or contact support from the payment's record page."
        ),
        (Channel.INBOX,),
    ),
    # To staff, not customers: a ticket needs a supervisor now (notifications.facade.page_staff).
    "staff_page": Spec(
        Category.STAFF,
        _("Ticket %(number)s needs you"),
        _("%(reason)s: ticket %(number)s, “%(subject)s”. Open it: %(link)s"),
        (Channel.INBOX,),
    ),
    "kyc_approved": Spec(
        Category.ACCOUNT,
        _("Identity verification approved"),
        _("Your identity documents were approved. Your account is now fully verified."),
        (Channel.INBOX, Channel.SMS),
    ),
    "kyc_rejected": Spec(
        Category.ACCOUNT,
        _("Identity verification not approved"),
        _("Your identity documents were not approved: %(reason)s. Please upload them again."),
        (Channel.INBOX, Channel.SMS),
    ),
    "account_closed": Spec(
        Category.ACCOUNT,
        _("Your account is closed"),
        _(
            "Your wallet account was closed at %(time)s. As the law requires, we keep your "
            "identity and transaction records for 5 years, then delete them."
        ),
        (Channel.SMS, Channel.EMAIL),
    ),
    # The live chat's transcript, on the customer's request (the text is rendered by the chat
    # from its own template, in the conversation's language).
    "chat_transcript": Spec(
        Category.ACCOUNT,
        _("Your chat with our support on %(date)s"),
        _(
            "Here is the transcript of your chat with our support, as you asked.\n\n"
            "%(transcript)s\n\n"
            "If you did not ask for this email, you can ignore it. We never ask for codes or "
            "passwords by email."
        ),
        (Channel.EMAIL,),
    ),
}
