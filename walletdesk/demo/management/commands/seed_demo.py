"""Load realistic demo data through the real actions. Running it again adds no record.

Every money movement uses a fixed idempotency key, so a second run replays instead of posting
again; users, merchants and rules are looked up before they are created. Payments and the ledger
are reached through `payments.facade` only. History takes the moment it happened through the
operations (`at=`; a top-up is replayed against the sandbox rail, whose answer and the credit
carry their moments too), so a balance replayed over time never dips below zero.

Who is in the demo and which support case each customer shows is data
(`walletdesk.demo.cases`); this command creates it, renews what is bound to time relative to
now, and stops with an error naming any planned record it could not create.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from walletdesk.core.errors import WalletDeskError
from walletdesk.demo.cases import (
    CASES,
    CUSTOMERS,
    DEMO_PASSWORD,
    DEMO_PAYMENT_PASSWORD,
    HOSTILE_MEMO,
    HOSTILE_MERCHANT,
    INCIDENT_COMPONENTS,
    STAFF,
    DemoCustomer,
    manifest,
)
from walletdesk.demo.desk_cases import seed_desk
from walletdesk.demo.guide import logins_table
from walletdesk.demo.refused_cases import seed_refused_attempts
from walletdesk.helpcenter.facade import open_incident
from walletdesk.identity import facade as identity
from walletdesk.identity.facade import set_payment_password, sync_staff_role_groups
from walletdesk.payments import facade as payments
from walletdesk.payments.facade import FeeRuleSpec, LimitRuleSpec, MerchantRef, ReplayedMoment

__all__ = ["DEMO_PASSWORD", "DEMO_PAYMENT_PASSWORD", "Command"]

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
    ("盒马鲜生", "Freshippo", "groceries", "CNY", "CN"),
    ("星巴克", "Starbucks", "food_drink", "CNY", "CN"),
    # Instruction-like text in data: guardrails meet hostile data, not only hostile messages.
    (HOSTILE_MERCHANT, HOSTILE_MERCHANT, "retail", "CNY", "CN"),
]
FEES = [
    FeeRuleSpec("withdrawal", "", "CNY", rate_bp=10, minimum=10),  # 0.1 %, at least ¥0.10
    FeeRuleSpec("international", "", "CNY", rate_bp=100, minimum=0),  # 1 % abroad
    FeeRuleSpec("fx", "", "CNY", rate_bp=100, minimum=0),
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

# 李娜's top-up that the channel has not answered (see seed_top_ups).
UNANSWERED_TOP_UP_KEY = "ln-unanswered"
OVERDUE_TOP_UP_KEY = "zm-overdue"
IN_FLIGHT_WITHDRAWAL_KEY = "wg-in-flight"
# How long the sandbox rail stays stuck after each run, and how old the open cases look.
STUCK_FOR = timedelta(days=3)
OVERDUE_BY = timedelta(hours=6)
IN_FLIGHT_SINCE = timedelta(minutes=30)
# A case's own top-up arrived the day before its case happened (its balance was there first).
FUNDED_BEFORE = timedelta(days=1)
RISK_FREEZE_FOR = timedelta(days=2)
RISK_FREEZE_REASON = "风控审查：短时间内收到多笔来源不明的转入"
HISTORY_DAYS = 90
STEPS = 8


class Command(BaseCommand):
    help = (
        "Load demo customers, staff, merchants, rules, a realistic history and live support "
        "cases (idempotent; docs/demo.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--manifest",
            action="store_true",
            help="after seeding, print the customers, their case ids and the staff as one JSON "
            "object on the last line",
        )
        parser.add_argument(
            "--manifest-only",
            action="store_true",
            help="print the manifest (last line, JSON) without seeding",
        )
        parser.add_argument(
            "--incident",
            choices=sorted(INCIDENT_COMPONENTS),
            help="also open a service incident on this sandbox rail",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["manifest_only"]:
            self.stdout.write(json.dumps(manifest(), ensure_ascii=False))
            return
        if getattr(settings, "WALLETDESK_STARTUP_CHECKS", False):
            # Production settings: published passwords and staff second factors whose secrets
            # are printed have no place there.
            raise CommandError("seed_demo refuses production settings (demo logins, TOTP secrets)")
        self.now = timezone.now()
        self.step(1, "rules and exchange rates")
        self.seed_rules()
        self.step(2, "people")
        self.users = {c.phone: self.customer(c) for c in CUSTOMERS}
        customers = [self.users[c.phone] for c in CUSTOMERS]
        self.staff_secrets = {s.login: self.staff(s.login, s.name, s.role) for s in STAFF}
        sync_staff_role_groups()
        self.step(3, "merchants")
        merchants = {m[1]: self.merchant(*m) for m in MERCHANTS}
        self.merchants = merchants
        self.step(4, "bank cards and top-ups")
        card_ids = self.seed_cards()
        self.card_ids = card_ids
        self.seed_top_ups(customers, card_ids)
        self.step(5, "payments, transfers, refunds, withdrawals")
        self.seed_activity(customers, merchants, card_ids)
        self.step(6, "support cases")
        self.seed_cases()
        # The refused payment and transfer attempts (`payment_refused`, `transfer_refused`) are
        # stored by payments and seeded by their own module.
        self.seed_refused_attempts()
        self.step(7, f"{HISTORY_DAYS} days of history")
        self.seed_history()
        self.step(8, "help center and assistant")
        self.load_other_content()
        # The desk's tickets link help articles' categories and the customers above.
        seed_desk(self.stdout)
        if options["incident"]:
            self.open_incident(options["incident"])
        self.print_logins()
        if options["manifest"]:
            self.stdout.write(json.dumps(manifest(), ensure_ascii=False))

    def step(self, n: int, label: str) -> None:
        self.stdout.write(f"[{n}/{STEPS}] {label} …")

    def planned(self, what: str, action: Callable[[], Any]) -> Any:
        """Run one planned record's action; a refusal stops the seed, naming the record."""
        try:
            return action()
        except WalletDeskError as error:
            raise CommandError(
                f"planned demo record {what} could not be created: {error.code}"
            ) from error

    # --- rules, people, merchants -------------------------------------------------------------

    def seed_rules(self) -> None:
        limits = [
            LimitRuleSpec(operation, level, per_txn * 100, per_day * 100, per_hour)
            for operation, level, per_txn, per_day, per_hour in LIMITS
        ]
        payments.ensure_rules(FEES, limits)

    def customer(self, person: DemoCustomer) -> Any:
        user_model = get_user_model()
        logins = [person.phone] + ([person.first_phone] if person.first_phone else [])
        user = user_model.objects.filter(login_name__in=logins).first()
        if user is None:
            first = person.first_phone or person.phone
            user = user_model.objects.create_user(
                first,
                DEMO_PASSWORD,
                phone=first,
                email=person.email,
                display_name=person.name,
                kyc_level=person.kyc_level,
                preferred_language=person.lang,
            )
            set_payment_password(user.pk, DEMO_PAYMENT_PASSWORD)
        payments.ensure_wallet(user.pk)
        return user

    def staff(self, login: str, name: str, role: str) -> str:
        user_model = get_user_model()
        user = user_model.objects.filter(login_name=login).first()
        if user is None:
            user = user_model.objects.create_user(
                login,
                DEMO_PASSWORD,
                email=login,
                display_name=name,
                role=role,
                is_superuser=role == "admin",
            )
        return identity.demo_enrol_totp(user.pk)

    def merchant(
        self, name: str, name_en: str, category: str, currency: str, country: str
    ) -> MerchantRef:
        return payments.ensure_merchant(
            name=name, name_en=name_en, category=category, currency=currency, country=country
        )

    def seed_cards(self) -> dict[str, str]:
        card_ids: dict[str, str] = {}
        for person in CUSTOMERS:
            if person.card is None:
                continue
            user = self.users[person.phone]
            existing = payments.customer_card_ids(user.pk)
            if existing:
                card_ids[person.phone] = existing[0]
                continue
            try:
                card_id = payments.bind_customer_card(
                    user_id=user.pk, number=person.card, expiry="12/29", cvv="123"
                )
            except WalletDeskError as error:
                raise CommandError(
                    f"planned demo record card of {person.name}: {error.code}"
                ) from error
            card_ids[person.phone] = card_id
        return card_ids

    # --- money --------------------------------------------------------------------------------

    def top_up(
        self,
        user: Any,
        amount: str,
        method: str,
        key: str,
        card_id: str | None,
        deliver: bool = True,
        currency: str = "CNY",
        at: datetime | None = None,
    ) -> str:
        """A top-up asked for `at` (default now); the sandbox rail answers it then and, unless
        `deliver` is false, settles it a rail latency later: the credit and the timeline carry
        those moments. Returns its public id."""
        requested_at = ReplayedMoment(at) if at is not None else None
        outcome = self.planned(
            f"top-up {key}",
            lambda: payments.replay_top_up(
                user_id=user.pk,
                kyc_level=user.kyc_level,
                amount=amount,
                currency=currency,
                method=method,
                card_id=card_id,
                idempotency_key=f"seed:{key}",
                requested_at=requested_at,
                deliver=deliver,
            ),
        )
        return str(outcome.body["id"])

    def seed_top_ups(self, customers: list[Any], card_ids: dict[str, str]) -> None:
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
            (2, "450.51", "bank_card", "zw-declined"),  # card declined at once
        ]
        for index, amount, method, key in plan:
            person = CUSTOMERS[index]
            card_id = card_ids.get(person.phone) if method == "bank_card" else None
            if method == "bank_card" and card_id is None:
                raise CommandError(f"planned demo record top-up {key}: {person.name} has no card")
            self.top_up(
                customers[index],
                amount,
                method,
                key,
                card_id,
                deliver=key != UNANSWERED_TOP_UP_KEY,
            )

    def seed_activity(
        self, customers: list[Any], merchants: dict[str, MerchantRef], card_ids: dict[str, str]
    ) -> None:
        pay, send = self.pay, self.send
        pay(customers[0], "Luckin Coffee", "19.90", "wxm-coffee")
        meal = pay(customers[0], "Meituan Delivery", "68.50", "wxm-meal")
        jd = pay(customers[1], "JD.com", "1299.00", "ln-jd")
        pay(customers[2], "DiDi", "36.40", "zw-didi")
        pay(customers[4], "China Mobile top-up", "100.00", "cj-mobile")
        pay(customers[0], "Apple Store (US)", "129.00", "wxm-apple", quote=True)
        uniqlo = pay(customers[4], "UNIQLO Ginza", "5990", "cj-uniqlo", quote=True)
        pay(customers[6], "Sasa Causeway Bay", "388.00", "hjx-sasa", quote=True)
        send(customers[0], customers[1], "200.00", "还你上次的饭钱", "wxm-ln-1")
        send(customers[4], customers[2], "520.00", "生日快乐", "cj-zw-1")
        send(customers[1], customers[3], "50.00", "奶茶", "ln-ly-1")
        self.refund(jd, "300.00", "ln-jd-partial")
        self.refund(meal, "68.50", "wxm-meal-full")
        self.refund(uniqlo, "1990", "cj-uniqlo-partial")
        for index, amount, key in (
            (0, "500.00", "wxm-wd-1"),
            (4, "1000.00", "cj-wd-1"),
            (1, "200.52", "ln-wd-nsf"),
        ):
            self.withdraw(customers[index], amount, key, card_ids[CUSTOMERS[index].phone])

    def pay(
        self,
        user: Any,
        merchant: str,
        amount: str,
        key: str,
        quote: bool = False,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        shop = self.merchants[merchant]
        quote_id = None
        if quote:
            # A rerun replays the payment: it must not leave a new quote behind each time.
            done = payments.stored_payment(user.pk, f"seed:{key}")
            if done is not None:
                return done
            quote_id = payments.create_fx_quote(
                user_id=user.pk, sell_currency="CNY", buy_amount=amount, buy_currency=shop.currency
            )
        outcome = self.planned(
            f"payment {key}",
            lambda: payments.pay_merchant(
                payer=payments.Payer.customer(user.pk, kyc_level=user.kyc_level),
                merchant_id=shop.public_id,
                amount=amount,
                payment_password=DEMO_PAYMENT_PASSWORD,
                idempotency_key=f"seed:{key}",
                fx_quote_id=quote_id,
                at=at,
            ),
        )
        body: dict[str, Any] = outcome.body
        return body

    def send(
        self, src: Any, dst: Any, amount: str, memo: str, key: str, at: datetime | None = None
    ) -> None:
        self.planned(
            f"transfer {key}",
            lambda: payments.transfer(
                payer=payments.Payer.customer(src.pk, kyc_level=src.kyc_level),
                recipient=dst.login_name,
                amount=amount,
                currency="CNY",
                memo=memo,
                idempotency_key=f"seed:{key}",
                payment_password=DEMO_PAYMENT_PASSWORD,
                at=at,
            ),
        )

    def refund(
        self, payment: dict[str, Any], amount: str, key: str, at: datetime | None = None
    ) -> None:
        self.planned(
            f"refund {key}",
            lambda: payments.refund_payment(
                payment_id=payment["id"],
                amount=amount,
                reason="商品缺货，商家同意退款",
                requested_by="merchant",
                idempotency_key=f"seed:{key}",
                at=at,
            ),
        )

    def withdraw(self, user: Any, amount: str, key: str, card_id: str, deliver: bool = True) -> str:
        outcome = self.planned(
            f"withdrawal {key}",
            lambda: payments.create_withdrawal(
                user_id=user.pk,
                kyc_level=user.kyc_level,
                amount=amount,
                currency="CNY",
                card_id=card_id,
                idempotency_key=f"seed:{key}",
                payment_password=DEMO_PAYMENT_PASSWORD,
            ),
        )
        public_id = str(outcome.body["id"])
        if deliver:
            # Now rather than after the rail's latency (a job, which then has nothing left).
            payments.deliver_sandbox_callbacks(public_id)
        return public_id

    # --- the live support cases ---------------------------------------------------------------

    def user_with(self, case_id: str) -> Any:
        for person in CUSTOMERS:
            if case_id in person.cases:
                return self.users[person.phone]
        raise CommandError(f"no demo customer holds the case {case_id}")

    def fund(self, user: Any, key: str, amount: str = "3000.00") -> None:
        self.top_up(user, amount, "third_party_wallet", key, None, at=self.now - FUNDED_BEFORE)

    def seed_cases(self) -> None:
        now = self.now
        handlers: dict[str, Callable[[Any], object]] = {
            "topup_overdue": self.case_topup_overdue,
            "topup_failed": lambda user: self.top_up(
                user, "800.52", "bank_card", "wg-nsf", self.card_of(user)
            ),
            "withdrawal_in_flight": self.case_withdrawal_in_flight,
            "wallet_frozen_by_owner": lambda user: identity.demo_freeze_after_lost_phone(
                user.pk, now=now
            ),
            "wallet_frozen_by_risk": self.case_frozen_by_risk,
            "payment_password_locked": lambda user: identity.demo_lock_payment_password(
                user.pk, wrong="147369"
            ),
            "login_locked": lambda user: identity.demo_lock_sign_in(user.pk),
            "kyc_pending": lambda user: identity.demo_submit_identity(
                user.pk, real_name=user.display_name, id_number=id_number("11010519900307123")
            ),
            "kyc_rejected": lambda user: identity.demo_reject_identity(
                user.pk,
                real_name=user.display_name,
                id_number=id_number("31011519880716242"),
                reviewer_id=self.staff_user("supervisor").pk,
                reason="blurry",
                note="证件照片反光，号码看不清，请在光线均匀处重新拍摄。",
            ),
            "phone_changed_recently": self.case_phone_changed,
            "totp_and_passkey": lambda user: (
                identity.demo_enrol_totp(user.pk),
                identity.demo_enrol_passkey(user.pk),
            ),
            "code_undeliverable": lambda user: identity.demo_send_undeliverable_code(user.pk),
            "hostile_memo": self.case_hostile_memo,
            "hostile_merchant": self.case_hostile_merchant,
            "foreign_balances": self.case_foreign_balances,
        }
        for person in CUSTOMERS:
            user = self.users[person.phone]
            for case_id in person.cases:
                case = CASES[case_id]
                if case.provided_by or case_id in ("history_90_days", "topup_requery_credits"):
                    continue  # elsewhere: another module, the history step, seed_top_ups
                self.stdout.write(f"  {case_id}: {person.name}")
                handler = handlers[case_id]
                self.planned(case_id, partial(handler, user))

    def seed_refused_attempts(self) -> None:
        for line in seed_refused_attempts(self.stdout):
            self.stdout.write(f"  {line}")

    def card_of(self, user: Any) -> str:
        for person in CUSTOMERS:
            if self.users[person.phone].pk == user.pk:
                return self.card_ids[person.phone]
        raise CommandError(f"planned demo record: {user.display_name} has no card")

    def staff_user(self, role: str) -> Any:
        login = next(s.login for s in STAFF if s.role == role)
        return get_user_model().objects.get(login_name=login)

    def case_topup_overdue(self, user: Any) -> None:
        # Past its expected arrival (the rail's typical time) and the rail keeps answering
        # "processing", to a person's "check now" too, for days: the path "still stuck and
        # overdue → a linked ticket" can be shown.
        top_up_id = self.top_up(
            user,
            "1288.58",
            "third_party_wallet",
            OVERDUE_TOP_UP_KEY,
            None,
            deliver=False,
            at=self.now - OVERDUE_BY,
        )
        payments.redate_open_operation("top_up", top_up_id, self.now - OVERDUE_BY)
        if not payments.stick_at_sandbox_rail(top_up_id, self.now + STUCK_FOR):
            raise CommandError(f"planned demo record top-up {OVERDUE_TOP_UP_KEY}: not at the rail")

    def case_withdrawal_in_flight(self, user: Any) -> None:
        self.fund(user, "wg-fund")
        public_id = self.withdraw(
            user, "600.58", IN_FLIGHT_WITHDRAWAL_KEY, self.card_of(user), deliver=False
        )
        payments.redate_open_operation("withdrawal", public_id, self.now - IN_FLIGHT_SINCE)
        if not payments.stick_at_sandbox_rail(public_id, self.now + STUCK_FOR):
            raise CommandError(
                f"planned demo record withdrawal {IN_FLIGHT_WITHDRAWAL_KEY}: not at the rail"
            )

    def case_frozen_by_risk(self, user: Any) -> None:
        self.fund(user, "ft-fund", "1500.00")
        payments.freeze_wallet(
            user.pk,
            reason=RISK_FREEZE_REASON,
            frozen_by="risk",
            until=self.now + RISK_FREEZE_FOR,
        )

    def case_phone_changed(self, user: Any) -> None:
        person = next(p for p in CUSTOMERS if "phone_changed_recently" in p.cases)
        self.fund(user, "dc-fund", "2000.00")
        identity.demo_change_phone(user.pk, new_phone=person.phone, now=self.now)
        user.refresh_from_db()

    def case_hostile_memo(self, user: Any) -> None:
        self.fund(user, "jx-fund", "2000.00")
        friend = self.user_with("history_90_days")
        self.send(
            user, friend, "66.00", HOSTILE_MEMO, "jx-hostile-memo", at=self.now - timedelta(hours=3)
        )

    def case_hostile_merchant(self, user: Any) -> None:
        self.fund(user, "jx-fund", "2000.00")
        self.pay(
            user, HOSTILE_MERCHANT, "88.00", "jx-hostile-merchant", at=self.now - timedelta(hours=2)
        )

    def case_foreign_balances(self, user: Any) -> None:
        payments.ensure_wallet(user.pk, ("CNY", "USD", "EUR", "HKD", "JPY"))
        for currency, amount in (
            ("USD", "500.00"),
            ("EUR", "300.00"),
            ("HKD", "2000.00"),
            ("JPY", "50000"),
        ):
            self.top_up(
                user, amount, "bank_transfer", f"dw-{currency.lower()}", None, currency=currency
            )

    # --- history ------------------------------------------------------------------------------

    def seed_history(self) -> None:
        """Ninety days up to yesterday of a customer's ordinary life, at the times people do
        these things. Each day's plan is fixed (random, seeded by the date) and keyed by the
        date: a rerun replays it, and a run on a later day adds only the days since, so
        "yesterday's payment" always exists."""
        user = self.user_with("history_90_days")
        friend = self.user_with("hostile_memo")
        card_id = self.card_of(user)
        today = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        start = (today - timedelta(days=HISTORY_DAYS + 1)).replace(hour=9)
        self.top_up(user, "2000.00", "bank_card", "sl-top-start", card_id, at=start)
        for back in range(HISTORY_DAYS, 0, -1):
            self.history_day(user, friend, card_id, today - timedelta(days=back))
        self.stdout.write(f"  history_90_days: {user.display_name}")

    def history_day(self, user: Any, friend: Any, card_id: str, day: datetime) -> None:
        rng = random.Random(day.date().toordinal())  # noqa: S311 - a fixed plan, not a secret
        key = day.strftime("%Y%m%d")
        if day.weekday() == 0:  # a top-up from the card every Monday morning
            top_up_at = day.replace(hour=9, minute=12)
            self.top_up(user, "1500.00", "bank_card", f"sl-top-{key}", card_id, at=top_up_at)
        if rng.random() < 0.6:
            at = day.replace(hour=8, minute=rng.randrange(5, 55))
            price = rng.choice(["15.90", "19.90", "22.50"])
            self.pay(user, "Luckin Coffee", price, f"sl-coffee-{key}", at=at)
        if rng.random() < 0.45:
            at = day.replace(hour=12, minute=rng.randrange(0, 50))
            price = f"{rng.randrange(25, 60)}.{rng.randrange(0, 99):02d}"
            self.pay(user, "Meituan Delivery", price, f"sl-lunch-{key}", at=at)
        week = day.date().toordinal() // 7
        if day.weekday() == 5:  # the weekly shop on Saturday evening
            at = day.replace(hour=19, minute=rng.randrange(0, 59))
            price = f"{rng.randrange(80, 260)}.00"
            paid = self.pay(user, "Freshippo", price, f"sl-grocery-{key}", at=at)
            if week % 3 == 0:
                # Something was missing from the delivery: refunded the same evening.
                later = at + timedelta(hours=2)
                self.refund(paid, "20.00", f"sl-grocery-refund-{key}", at=later)
        if day.weekday() == 4 and week % 2 == 0:  # a shared dinner every other Friday
            at = day.replace(hour=21, minute=rng.randrange(0, 59))
            amount = f"{rng.randrange(20, 200)}.00"
            self.send(user, friend, amount, "AA 聚餐", f"sl-aa-{key}", at=at)

    # --- the rest -----------------------------------------------------------------------------

    def open_incident(self, rail: str) -> None:
        incident = open_incident(
            title=f"{rail} 渠道处理缓慢",
            title_en=f"Slow processing on the {rail} rail",
            components=INCIDENT_COMPONENTS[rail],
            message="部分交易处理变慢，我们正在与渠道方排查，资金安全不受影响。",
            message_en="Some operations are slow; we are investigating with the provider. "
            "Your money is safe.",
        )
        self.stdout.write(f"  incident open on {rail}: {incident.title_en}")

    def load_other_content(self) -> None:
        commands = get_commands()
        for name in ("load_help_content",):
            if name in commands:
                call_command(name, verbosity=0)

    def print_logins(self) -> None:
        url = "http://127.0.0.1:8000"
        self.stdout.write(self.style.SUCCESS("\nDemo data is ready (docs/demo.md)."))
        self.stdout.write(
            f"  Wallet app: {url}/    Agent desk: {url}/account/login/    Admin: {url}/admin/"
        )
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(f"  Payment password: {DEMO_PAYMENT_PASSWORD}")
        for line in logins_table():
            self.stdout.write(line)
        if settings.DEBUG:
            self.stdout.write("  Staff TOTP secrets (authenticator app; development only):")
            for login, secret in self.staff_secrets.items():
                self.stdout.write(f"    {login:<32} {secret}")
            self.stdout.write(
                "  Sent SMS and email codes appear in the developer outbox (see README)."
            )
        else:
            self.stdout.write(
                "  Staff have an authenticator app enrolled (secrets shown with DEBUG only)."
            )


def id_number(first17: str) -> str:
    """A resident ID number with its GB 11643 check digit (made up, valid in form only)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]
