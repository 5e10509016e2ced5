"""The shipped ticket categories: top-level topics, each subcategory tied to an assistant intent
(../shared/spec/intents.md). Operators edit, add or deactivate them in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# (slug, name_zh, name_en, [(intent, name_zh, name_en), ...])
CATEGORIES = [
    ("account_security", "账户与安全", "Account and security", [
        ("forgot_password", "忘记登录密码", "Forgot login password"),
        ("reset_payment_password", "支付密码", "Payment password"),
        ("verification_code_not_received", "收不到验证码", "Verification code not received"),
        ("account_frozen", "账户冻结或受限", "Account frozen or restricted"),
        ("suspicious_login", "异常登录", "Suspicious sign-in"),
        ("enable_2fa", "两步验证", "Two-step verification"),
        ("change_phone", "更换手机号", "Change phone number"),
        ("update_account_info", "修改个人资料", "Update profile"),
        ("identity_verification", "实名认证", "Identity verification"),
    ]),
    ("top_up", "充值", "Top-up", [
        ("topup_how", "如何充值", "How to top up"),
        ("topup_not_arrived", "充值未到账", "Top-up not arrived"),
        ("topup_failed", "充值失败", "Top-up failed"),
    ]),
    ("withdrawal", "提现", "Withdrawal", [
        ("withdraw_how", "如何提现", "How to withdraw"),
        ("withdraw_not_arrived", "提现未到账", "Withdrawal not arrived"),
        ("withdraw_failed", "提现失败", "Withdrawal failed"),
    ]),
    ("payment", "付款与转账", "Payments and transfers", [
        ("payment_failed", "付款失败", "Payment failed"),
        ("payment_limit", "限额", "Limits"),
        ("duplicate_charge", "重复扣款", "Charged twice"),
        ("balance_incorrect", "余额不对", "Balance looks wrong"),
        ("transfer_not_received", "转账对方未收到", "Transfer not received"),
        ("transfer_how", "如何转账", "How to transfer"),
        ("transaction_history", "交易记录与账单", "Transaction history"),
        ("balance_inquiry", "余额查询", "Balance"),
    ]),
    ("refund", "退款", "Refunds", [
        ("refund_request", "申请退款", "Refund request"),
        ("refund_not_received", "退款未到账", "Refund not received"),
        ("merchant_refused_refund", "商家拒绝退款", "Merchant refuses a refund"),
    ]),
    ("card", "银行卡", "Bank cards", [
        ("bind_card", "绑定银行卡", "Add a card"),
        ("unbind_card", "解绑银行卡", "Remove a card"),
        ("card_declined", "银行卡被拒", "Card declined"),
    ]),
    ("international", "境外支付与外币", "International and currencies", [
        ("international_payment", "境外支付", "International payment"),
        ("exchange_rate", "汇率与换汇", "Exchange rates"),
    ]),
    ("fees", "手续费", "Fees", [
        ("fees", "手续费", "Fees"),
    ]),
    ("fraud", "盗刷与诈骗", "Fraud and unauthorised use", [
        ("emergency_freeze", "紧急冻结", "Emergency freeze"),
        ("unauthorized_transaction", "非本人交易", "Unauthorised transaction"),
        ("report_fraud", "举报诈骗", "Report fraud"),
    ]),
    ("complaint", "投诉", "Complaints", [
        ("complaint", "投诉", "Complaint"),
    ]),
    ("feedback", "建议与反馈", "Suggestions", [
        ("feedback", "产品建议", "Product suggestion"),
        ("promotions", "优惠活动", "Promotions"),
    ]),
    ("technical", "App 使用问题", "App problems", [
        ("app_issue", "App 闪退或打不开", "App crashes or won't open"),
        ("service_status", "系统故障或维护", "Outage or maintenance"),
    ]),
    ("closure", "注销账户", "Closing the account", [
        ("close_account", "注销账户", "Close the account"),
    ]),
    ("other", "其他问题", "Other", [
        ("other_question", "其他问题", "Other question"),
    ]),
]


def create_categories(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("tickets", "Category")
    for position, (slug, name_zh, name_en, children) in enumerate(CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            slug=slug,
            defaults={"name_zh": name_zh, "name_en": name_en, "position": position * 100},
        )
        for offset, (intent, child_zh, child_en) in enumerate(children, start=1):
            child_slug = intent if intent != slug else f"{slug}_general"
            Category.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "parent": parent,
                    "name_zh": child_zh,
                    "name_en": child_en,
                    "intent": "" if intent == "other_question" else intent,
                    "position": position * 100 + offset,
                },
            )


def remove_categories(apps: Any, schema_editor: Any) -> None:
    Category = apps.get_model("tickets", "Category")
    Category.objects.exclude(parent=None).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_tickets")]

    operations = [
        migrations.RunPython(create_categories, remove_categories),
        migrations.RunSQL(
            "INSERT INTO tickets_ticketnumbercounter (id, value) VALUES (1, 0)",
            "DELETE FROM tickets_ticketnumbercounter",
        ),
    ]
