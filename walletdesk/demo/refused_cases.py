"""Demo cases for "why did my payment fail?": a refused merchant payment and a refused transfer.

`seed_refused_attempts(stdout)` puts both on a new demo customer, 罗军 (+8613500135023, identity
level 1, the published demo password and payment password; his wallet is empty), through the
payments facade, exactly as the customer would meet them:

- `payment_refused`: ¥32.00 to 瑞幸咖啡 (Luckin Coffee) with the right payment password, refused
  for the balance (`insufficient_balance`: 余额不足 → 先充值);
- `transfer_refused`: ¥50.00 to 王小明's phone number (+8613800138000) with a wrong payment
  password, refused as `wrong_payment_password` (one wrong try of five: nothing is locked).

Needs: the merchant 瑞幸咖啡 (seed_demo's merchants, created before this runs). The transfer
needs no recipient to exist: the password is checked first. Nothing else is assumed; 罗军 is
created (wallet, payment password) when missing.

Idempotent: a case whose refused attempt is already in his records is left alone, so a second
run adds nothing (not even a repeat count, nor a wrong-password try). A case that cannot be
created as planned (the merchant is missing, his balance would let the payment through, the
refusal comes back with another reason) stops with a `CommandError` naming it.

Returns the case ids present after the run, in this order: ["payment_refused",
"transfer_refused"].
"""

from __future__ import annotations

from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import parse_amount
from walletdesk.demo.cases import DEMO_PASSWORD, DEMO_PAYMENT_PASSWORD
from walletdesk.identity.facade import set_payment_password
from walletdesk.payments import facade as payments

# The published demo credentials are cases.py's (seed_demo prints them with the logins).
WRONG_PAYMENT_PASSWORD = "135790"  # noqa: S105 - deliberately not the demo payment password

CUSTOMER_PHONE = "+8613500135023"
CUSTOMER_NAME = "罗军"
MERCHANT = "瑞幸咖啡"
PAYMENT_AMOUNT = "32.00"
TRANSFER_RECIPIENT = "+8613800138000"  # 王小明
TRANSFER_AMOUNT = "50.00"


def seed_refused_attempts(stdout: TextIO | Any) -> list[str]:
    """Create (once) 罗军's refused payment and refused transfer; return their case ids."""
    user_id = _customer()
    present = {
        (row.kind, row.reason) for row in payments.recent_refused_attempts(user_id, limit=50)
    }
    _payment_case(stdout, user_id, present)
    _transfer_case(stdout, user_id, present)
    return ["payment_refused", "transfer_refused"]


def _customer() -> int:
    user_model = get_user_model()
    user = user_model.objects.filter(login_name=CUSTOMER_PHONE).first()
    if user is None:
        user = user_model.objects.create_user(
            CUSTOMER_PHONE,
            DEMO_PASSWORD,
            phone=CUSTOMER_PHONE,
            display_name=CUSTOMER_NAME,
            kyc_level=1,
        )
        set_payment_password(user.pk, DEMO_PAYMENT_PASSWORD)
    payments.ensure_wallet(user.pk)
    return int(user.pk)


def _payment_case(stdout: Any, user_id: int, present: set[tuple[str, str]]) -> None:
    case = "payment_refused"
    if ("payment", "insufficient_balance") in present:
        stdout.write(f"  {case}: {CUSTOMER_NAME} → {MERCHANT} ¥{PAYMENT_AMOUNT}, already there\n")
        return
    merchant_id = payments.merchant_public_id(MERCHANT)
    if merchant_id is None:
        raise CommandError(f"{case}: the merchant {MERCHANT} does not exist (seed merchants first)")
    amount = parse_amount(PAYMENT_AMOUNT, "CNY")
    summary = payments.wallet_summary(user_id)
    balances = summary.balances if summary is not None else ()
    balance = sum(b.available.minor for b in balances if b.currency == "CNY")
    if balance >= amount.minor:
        raise CommandError(
            f"{case}: {CUSTOMER_NAME} has ¥{balance / 100:.2f}, so the payment would go through"
        )
    _expect_refusal(
        case,
        "insufficient_balance",
        lambda: payments.pay_merchant(
            payer=payments.Payer.customer(user_id, kyc_level=1),
            merchant_id=merchant_id,
            amount=PAYMENT_AMOUNT,
            payment_password=DEMO_PAYMENT_PASSWORD,
            idempotency_key="seed:refused:sl-coffee",
        ),
    )
    stdout.write(f"  {case}: {CUSTOMER_NAME} → {MERCHANT} ¥{PAYMENT_AMOUNT}, 余额不足\n")


def _transfer_case(stdout: Any, user_id: int, present: set[tuple[str, str]]) -> None:
    case = "transfer_refused"
    if ("transfer", "wrong_payment_password") in present:
        stdout.write(f"  {case}: {CUSTOMER_NAME} → 王小明 ¥{TRANSFER_AMOUNT}, already there\n")
        return
    _expect_refusal(
        case,
        "wrong_payment_password",
        lambda: payments.transfer(
            payer=payments.Payer.customer(user_id, kyc_level=1),
            recipient=TRANSFER_RECIPIENT,
            amount=TRANSFER_AMOUNT,
            currency="CNY",
            payment_password=WRONG_PAYMENT_PASSWORD,
            idempotency_key="seed:refused:sl-transfer",
        ),
    )
    stdout.write(f"  {case}: {CUSTOMER_NAME} → 王小明 ¥{TRANSFER_AMOUNT}, 支付密码错误\n")


def _expect_refusal(case: str, code: str, attempt: Any) -> None:
    try:
        attempt()
    except WalletDeskError as error:
        if error.code != code:
            raise CommandError(f"{case}: refused with {error.code}, planned {code}") from None
        return
    raise CommandError(f"{case}: went through, planned a refusal ({code})")
