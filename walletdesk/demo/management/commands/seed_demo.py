"""Load realistic demo data through the real actions. Running it again changes nothing.

Every money movement uses a fixed idempotency key, so a second run replays instead of posting
again; users, merchants and rules are looked up before they are created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from walletdesk.core.errors import WalletDeskError
from walletdesk.identity.facade import set_payment_password, sync_staff_role_groups
from walletdesk.payments import cards, fx, operations, topups, wallets, withdrawals
from walletdesk.payments.fees import invalidate_fee_cache
from walletdesk.payments.limits import invalidate_limit_cache
from walletdesk.payments.models import (
    FeeRule,
    FxRate,
    LimitRule,
    Merchant,
    TopUp,
)
from walletdesk.payments.rails import sandbox
from walletdesk.payments.rails.sandbox_models import SandboxRailRecord

DEMO_PASSWORD = "WalletDesk-demo-2026"  # noqa: S105 - published demo credential, printed on start
DEMO_PAYMENT_PASSWORD = "258036"  # noqa: S105 - published demo credential


@dataclass(frozen=True)
class DemoPerson:
    phone: str
    name: str
    kyc_level: int = 1
    email: str | None = None


CUSTOMERS = [
    DemoPerson("+8613800138000", "王小明", 2, "xiaoming.wang@example.com"),
    DemoPerson("+8613900139001", "李娜", 1),
    DemoPerson("+8613700137002", "张伟", 1),
    DemoPerson("+8615800158003", "刘洋", 0),
    DemoPerson("+8618600186004", "陈静", 2),
    DemoPerson("+8613600136005", "杨帆", 0),
    DemoPerson("+85291234567", "黄嘉欣", 1, "kayan.wong@example.com"),
    DemoPerson("+8617700177007", "赵磊", 1),
]
STAFF = [
    ("agent@walletdesk.example", "客服小周", "agent"),
    ("supervisor@walletdesk.example", "主管林姐", "supervisor"),
    ("admin@walletdesk.example", "系统管理员", "admin"),
]
MERCHANTS = [
    ("瑞幸咖啡", "Luckin Coffee", "food_drink", "CNY", "CN"),
    ("美团外卖", "Meituan Delivery", "food_delivery", "CNY", "CN"),
    ("京东商城", "JD.com", "retail", "CNY", "CN"),
    ("滴滴出行", "DiDi", "transport", "CNY", "CN"),
    ("中国移动话费充值", "China Mobile top-up", "utilities", "CNY", "CN"),
    ("Apple Store (US)", "Apple Store (US)", "retail", "USD", "US"),
    ("ユニクロ 銀座店", "UNIQLO Ginza", "retail", "JPY", "JP"),
    ("莎莎 Sasa 铜锣湾", "Sasa Causeway Bay", "retail", "HKD", "HK"),
    ("Booking.com", "Booking.com", "travel", "EUR", "NL"),
]
FEES = [
    ("withdrawal", "", "CNY", 10, 10, None),  # 0.1 %, at least ¥0.10
    ("international", "", "CNY", 100, 0, None),  # 1 % on international payments
    ("fx", "", "CNY", 100, 0, None),
]
LIMITS = [  # operation, KYC level, per transaction, per day, withdrawals per hour (yuan)
    ("payment", 0, 2_000, 5_000, None),
    ("payment", 1, 20_000, 50_000, None),
    ("payment", 2, 50_000, 200_000, None),
    ("transfer", 0, 2_000, 5_000, None),
    ("transfer", 1, 20_000, 50_000, None),
    ("transfer", 2, 50_000, 200_000, None),
    ("withdrawal", 0, 2_000, 2_000, 5),
    ("withdrawal", 1, 20_000, 50_000, 5),
    ("withdrawal", 2, 50_000, 200_000, 5),
    ("top_up", 0, 5_000, 10_000, None),
    ("top_up", 1, 50_000, 100_000, None),
    ("top_up", 2, 50_000, 200_000, None),
]
DEMO_CARDS = {
    0: "6222021234567890128",
    1: "4111111111111111",
    2: "6222021234567890128",
    4: "5555555555554444",
}


# 李娜's top-up that the channel has not answered (see seed_top_ups).
UNANSWERED_TOP_UP_KEY = "ln-unanswered"


class Command(BaseCommand):
    help = "Load demo customers, staff, merchants, rules and a realistic history (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.step(1, "rules and exchange rates")
        self.seed_rules()
        self.step(2, "people")
        customers = [self.customer(p) for p in CUSTOMERS]
        for login, name, role in STAFF:
            self.staff(login, name, role)
        sync_staff_role_groups()
        self.step(3, "merchants")
        merchants = {m[1]: self.merchant(*m) for m in MERCHANTS}
        self.step(4, "bank cards and top-ups")
        card_ids = self.seed_cards(customers)
        self.seed_top_ups(customers, card_ids)
        self.step(5, "payments, transfers, refunds, withdrawals")
        self.seed_activity(customers, merchants, card_ids)
        self.step(6, "help center and assistant")
        self.load_other_content()
        self.print_logins()

    def step(self, n: int, label: str) -> None:
        self.stdout.write(f"[{n}/6] {label} …")

    def seed_rules(self) -> None:
        for operation, method, currency, rate_bp, minimum, maximum in FEES:
            FeeRule.objects.get_or_create(
                operation=operation,
                method=method,
                currency=currency,
                is_active=True,
                defaults={"rate_bp": rate_bp, "minimum": minimum, "maximum": maximum},
            )
        for operation, level, per_txn, per_day, per_hour in LIMITS:
            LimitRule.objects.get_or_create(
                operation=operation,
                kyc_level=level,
                currency="CNY",
                defaults={
                    "per_transaction": per_txn * 100,
                    "per_day": per_day * 100,
                    "per_hour_count": per_hour,
                },
            )
        if not FxRate.objects.exists():
            fx.load_rates(fx.FileRateProvider())
        invalidate_fee_cache()
        invalidate_limit_cache()

    def customer(self, person: DemoPerson) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(login_name=person.phone).first()
        if user is None:
            user = user_model.objects.create_user(
                person.phone,
                DEMO_PASSWORD,
                phone=person.phone,
                email=person.email,
                display_name=person.name,
                kyc_level=person.kyc_level,
            )
            set_payment_password(user.pk, DEMO_PAYMENT_PASSWORD)
        wallets.open_wallet(user.pk, ("CNY",))
        return user

    def staff(self, login: str, name: str, role: str) -> None:
        user_model = get_user_model()
        if not user_model.objects.filter(login_name=login).exists():
            user_model.objects.create_user(
                login,
                DEMO_PASSWORD,
                email=login,
                display_name=name,
                role=role,
                is_superuser=role == "admin",
            )

    def merchant(
        self, name: str, name_en: str, category: str, currency: str, country: str
    ) -> Merchant:
        merchant, _ = Merchant.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "category": category,
                "currency": currency,
                "country": country,
            },
        )
        return merchant

    def seed_cards(self, customers: list[Any]) -> dict[int, str]:
        card_ids: dict[int, str] = {}
        for index, number in DEMO_CARDS.items():
            user = customers[index]
            existing = cards.customer_cards(user.pk)
            card = (
                existing[0]
                if existing
                else cards.bind_card(user_id=user.pk, number=number, expiry="12/29", cvv="123")
            )
            card_ids[index] = str(card.public_id)
        return card_ids

    def top_up(
        self,
        user: Any,
        amount: str,
        method: str,
        key: str,
        card_id: str | None,
        deliver: bool = True,
    ) -> None:
        outcome = topups.create_top_up(
            user_id=user.pk,
            kyc_level=user.kyc_level,
            amount=amount,
            currency="CNY",
            method=method,
            card_id=card_id,
            idempotency_key=f"seed:{key}",
        )
        if deliver:
            top_up = TopUp.objects.get(public_id=outcome.body["id"])
            for record in SandboxRailRecord.objects.filter(
                reference=str(top_up.public_id), callbacks_sent=0
            ):
                sandbox.deliver_callbacks(record.pk)

    def seed_top_ups(self, customers: list[Any], card_ids: dict[int, str]) -> None:
        plan = [
            (0, "8000.00", "bank_card", "wxm-1"),
            (0, "1500.00", "third_party_wallet", "wxm-2"),
            (1, "3000.00", "bank_card", "ln-1"),
            (2, "2600.00", "bank_card", "zw-1"),
            (3, "500.00", "third_party_wallet", "ly-1"),
            (4, "9000.00", "bank_card", "cj-1"),
            (5, "300.00", "bank_transfer", "yf-1"),
            (6, "900.00", "third_party_wallet", "hjx-1"),
            (7, "1200.00", "bank_transfer", "zl-1"),
            # The demo cases support staff meet every day:
            # 充值不到账: the channel took the money but has not answered, and will not until
            # someone re-queries it (sandbox mode xx.58), so reconciliation and expiry leave it
            # pending for as long as the demo runs; "check now" (customer or agent) credits it.
            (1, "2000.58", "third_party_wallet", UNANSWERED_TOP_UP_KEY),
            (3, "800.52", "bank_card", "ly-nsf"),  # the bank had too little money: failed
            (2, "450.51", "bank_card", "zw-declined"),  # card declined at once
        ]
        for index, amount, method, key in plan:
            card_id = card_ids.get(index) if method == "bank_card" else None
            if method == "bank_card" and card_id is None:
                continue
            try:
                self.top_up(
                    customers[index],
                    amount,
                    method,
                    key,
                    card_id,
                    deliver=key != UNANSWERED_TOP_UP_KEY,
                )
            except WalletDeskError as error:
                self.stderr.write(f"  top-up {key}: {error.code}")

    def seed_activity(
        self, customers: list[Any], merchants: dict[str, Merchant], card_ids: dict[int, str]
    ) -> None:
        def pay(
            index: int, merchant: str, amount: str, key: str, quote: bool = False
        ) -> dict[str, Any] | None:
            user = customers[index]
            shop = merchants[merchant]
            quote_id = None
            if quote:
                from walletdesk.ledger.models import IdempotencyRecord

                done = IdempotencyRecord.objects.filter(
                    scope=f"user:{user.pk}:payment", key=f"seed:{key}"
                ).first()
                if done is not None:
                    stored: dict[str, Any] = json.loads(done.response)
                    return stored
                from walletdesk.core.money import parse_amount

                quote_id = str(
                    fx.create_quote(
                        user_id=user.pk,
                        sell_currency="CNY",
                        buy=parse_amount(amount, shop.currency),
                    ).public_id
                )
            try:
                return operations.pay_merchant(
                    payer=operations.Payer.customer(user.pk, kyc_level=user.kyc_level),
                    merchant_id=str(shop.public_id),
                    amount=amount,
                    payment_password=DEMO_PAYMENT_PASSWORD,
                    idempotency_key=f"seed:{key}",
                    fx_quote_id=quote_id,
                ).body
            except WalletDeskError as error:
                self.stderr.write(f"  payment {key}: {error.code}")
                return None

        def send(src: int, dst: int, amount: str, memo: str, key: str) -> None:
            try:
                operations.transfer(
                    payer=operations.Payer.customer(
                        customers[src].pk, kyc_level=customers[src].kyc_level
                    ),
                    recipient=customers[dst].login_name,
                    amount=amount,
                    currency="CNY",
                    memo=memo,
                    idempotency_key=f"seed:{key}",
                    payment_password=DEMO_PAYMENT_PASSWORD,
                )
            except WalletDeskError as error:
                self.stderr.write(f"  transfer {key}: {error.code}")

        pay(0, "Luckin Coffee", "19.90", "wxm-coffee")
        meal = pay(0, "Meituan Delivery", "68.50", "wxm-meal")
        jd = pay(1, "JD.com", "1299.00", "ln-jd")
        pay(2, "DiDi", "36.40", "zw-didi")
        pay(4, "China Mobile top-up", "100.00", "cj-mobile")
        pay(0, "Apple Store (US)", "129.00", "wxm-apple", quote=True)
        uniqlo = pay(4, "UNIQLO Ginza", "5990", "cj-uniqlo", quote=True)
        pay(6, "Sasa Causeway Bay", "388.00", "hjx-sasa", quote=True)
        send(0, 1, "200.00", "还你上次的饭钱", "wxm-ln-1")
        send(4, 2, "520.00", "生日快乐", "cj-zw-1")
        send(1, 3, "50.00", "奶茶", "ln-ly-1")
        self.seed_refunds(
            [
                (jd, "300.00", "ln-jd-partial"),
                (meal, "68.50", "wxm-meal-full"),
                (uniqlo, "1990", "cj-uniqlo-partial"),
            ]
        )
        self.seed_withdrawals(customers, card_ids)

    def seed_refunds(self, plan: list[tuple[dict[str, Any] | None, str, str]]) -> None:
        for payment, amount, key in plan:
            if payment is None:
                continue
            try:
                operations.refund_payment(
                    payment_id=payment["id"],
                    amount=amount,
                    reason="商品缺货，商家同意退款",
                    requested_by="merchant",
                    idempotency_key=f"seed:{key}",
                )
            except WalletDeskError as error:
                self.stderr.write(f"  refund {key}: {error.code}")

    def seed_withdrawals(self, customers: list[Any], card_ids: dict[int, str]) -> None:
        for index, amount, key in (
            (0, "500.00", "wxm-wd-1"),
            (4, "1000.00", "cj-wd-1"),
            (1, "200.52", "ln-wd-nsf"),
        ):
            card_id = card_ids.get(index)
            if card_id is None:
                continue
            user = customers[index]
            try:
                outcome = withdrawals.create_withdrawal(
                    user_id=user.pk,
                    kyc_level=user.kyc_level,
                    amount=amount,
                    currency="CNY",
                    card_id=card_id,
                    idempotency_key=f"seed:{key}",
                    payment_password=DEMO_PAYMENT_PASSWORD,
                )
            except WalletDeskError as error:
                self.stderr.write(f"  withdrawal {key}: {error.code}")
                continue
            for record in SandboxRailRecord.objects.filter(
                reference=outcome.body["id"], callbacks_sent=0
            ):
                sandbox.deliver_callbacks(record.pk)

    def load_other_content(self) -> None:
        commands = get_commands()
        for name in ("load_help_content",):
            if name in commands:
                call_command(name, verbosity=0)

    def print_logins(self) -> None:
        url = "http://127.0.0.1:8000"
        self.stdout.write(self.style.SUCCESS("\nDemo data is ready."))
        self.stdout.write(f"  Wallet app:   {url}/   customer 王小明 +86 138 0013 8000")
        self.stdout.write(f"  Agent:        {url}/account/login/   agent@walletdesk.example")
        self.stdout.write(
            f"  Supervisor:   {url}/account/staff/   supervisor@walletdesk.example "
            "(approves large refunds and early unfreezes)"
        )
        self.stdout.write(
            "  Staff set up an authenticator app or a passkey at their first sign-in."
        )
        self.stdout.write(f"  Admin:        {url}/admin/   admin@walletdesk.example")
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(f"  Payment password: {DEMO_PAYMENT_PASSWORD}")
        self.stdout.write(
            "  Other customers: +86 139 0013 9001 (李娜, a top-up the channel has not answered: "
            "pending until someone presses 'check now'), "
            "+86 158 0015 8003 (刘洋, a failed top-up)"
        )
        if settings.DEBUG:
            self.stdout.write(
                "  Sent SMS and email codes appear in the developer outbox (see README)."
            )
