"""A few macros every desk needs on day one; operators edit or add more in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

MACROS: list[dict[str, Any]] = [
    {
        "name": "充值未到账：请提供银行流水号 / Top-up not arrived: ask for the bank reference",
        "position": 10,
        "body_zh": (
            "{customer_name}，您好：\n\n"
            "您反映的这笔 {amount} 的充值我们正在核查。为了尽快和银行对账，请您在银行 App "
            "或银行短信里找到这笔扣款的「交易流水号」（有的银行叫「交易参考号」），"
            "直接回复在这里即可，有截图也可以一并上传。\n\n"
            "记录详情：{record_link}\n"
            "收到流水号后，我们一般会在 1 个工作日内给您答复。工单号 {ticket_number}，"
            "来电咨询时报这个号码就能查到。"
        ),
        "body_en": (
            "Hi {customer_name},\n\n"
            "We are looking into your top-up of {amount}. To match it with your bank quickly, "
            "please find the transaction reference number for this debit in your bank's app or "
            "text message and reply with it here (a screenshot helps too).\n\n"
            "Record details: {record_link}\n"
            "Once we have the reference we usually answer within one working day. Your ticket "
            "number is {ticket_number}; quote it if you call us."
        ),
        "set_status": "pending",
        "add_tags": ["topup", "need-bank-ref"],
        "set_priority": None,
    },
    {
        "name": "提现处理中说明 / Withdrawal still pending",
        "position": 20,
        "body_zh": (
            "{customer_name}，您好：\n\n"
            "您提现的 {amount} 已经从钱包转出，目前在银行处理中，资金是安全的。"
            "一般情况下会在 2 小时内到账；遇到周末、节假日或银行系统维护，"
            "可能要顺延到下一个工作日。\n\n"
            "您可以随时在这里查看最新状态：{record_link}\n"
            "如果超过 1 个工作日仍未到账，直接回复本工单（{ticket_number}），我们会立即联系银行跟进。"
        ),
        "body_en": (
            "Hi {customer_name},\n\n"
            "Your withdrawal of {amount} has left your wallet and is being processed by the bank; "
            "the money is safe. It usually arrives within 2 hours; at weekends, on public "
            "holidays or during bank maintenance it can take until the next working day.\n\n"
            "You can follow its status here: {record_link}\n"
            "If it has not arrived after one working day, just reply to this ticket "
            "({ticket_number}) and we will chase the bank straight away."
        ),
        "set_status": "on_hold",
        "add_tags": ["withdrawal"],
        "set_priority": None,
    },
    {
        "name": "问题已解决，结束工单 / Resolved: close the ticket",
        "position": 30,
        "body_zh": (
            "{customer_name}，您好：\n\n"
            "您的问题已经处理完毕，我们先把工单 {ticket_number} 标记为「已解决」。"
            "如果还有任何疑问，7 天内直接回复本工单即可重新打开，不用重新提交。\n\n"
            "稍后您会收到一份满意度评价，花几秒钟给我们打个分，帮助我们做得更好。感谢您的耐心！"
        ),
        "body_en": (
            "Hi {customer_name},\n\n"
            "Your request has been taken care of, so we are marking ticket {ticket_number} as "
            "solved. If anything is still unclear, just reply here within 7 days and the ticket "
            "opens again; no need to start over.\n\n"
            "You will get a short satisfaction survey; a few seconds of your time helps us do "
            "better. Thank you for your patience!"
        ),
        "set_status": "solved",
        "add_tags": [],
        "set_priority": None,
    },
    {
        "name": "需要更多信息 / Ask for more details",
        "position": 40,
        "body_zh": (
            "{customer_name}，您好：\n\n"
            "为了帮您查清楚，还需要您补充一些信息：问题发生的大概时间、涉及的金额，"
            "以及页面上看到的提示文字（有截图最好）。直接回复本工单即可。"
        ),
        "body_en": (
            "Hi {customer_name},\n\n"
            "To get to the bottom of this we need a little more from you: roughly when it "
            "happened, the amount involved, and the message you saw on screen (a screenshot is "
            "best). Just reply to this ticket."
        ),
        "set_status": "pending",
        "add_tags": [],
        "set_priority": None,
    },
]


def create_macros(apps: Any, schema_editor: Any) -> None:
    macro_model = apps.get_model("tickets", "Macro")
    for fields in MACROS:
        macro_model.objects.get_or_create(name=fields["name"], defaults=fields)


def remove_macros(apps: Any, schema_editor: Any) -> None:
    apps.get_model("tickets", "Macro").objects.filter(
        name__in=[fields["name"] for fields in MACROS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_desk_macros_saved_views")]

    operations = [migrations.RunPython(create_macros, remove_macros)]
