"""A living support desk for the demo: tickets in every status and on every channel, complaints
near and past their deadline (the supervisors are paged), a merged pair, satisfaction ratings, a
call-back waiting in the queue, suggestions passed to product and shipped, a request from someone
who could not sign in, a fraud report made urgent by the rules, and an email thread (the
customer's mail in, the agent's reply out, the customer's answer threaded onto the ticket).

Everything goes through the tickets facade (the same actions the pages call), so timelines, SLA
clocks and automation rules are what they would be for real. Idempotent: each case is tagged
`demo-<key>` and skipped when a ticket with that tag exists.

`seed_desk(stdout)` is called by `seed_demo` after the demo customers and staff exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from walletdesk.core.actors import Actor
from walletdesk.tickets import facade as tickets

# The demo customers and staff seed_demo creates (login names).
WANG = "+8613800138000"  # 王小明
LI = "+8613900139001"  # 李娜
ZHANG = "+8613700137002"  # 张伟
LIU = "+8615800158003"  # 刘洋
CHEN = "+8618600186004"  # 陈静
YANG = "+8613600136005"  # 杨帆
HUANG = "+85291234567"  # 黄嘉欣
ZHAO = "+8617700177007"  # 赵磊
AGENT = "agent@walletdesk.example"
SUPERVISOR = "supervisor@walletdesk.example"


@dataclass(frozen=True, slots=True)
class People:
    customers: dict[str, int]
    agent: Actor
    supervisor: Actor

    def customer(self, login: str) -> Actor:
        return Actor.customer(self.customers[login])


def _people() -> People | None:
    rows = dict(
        get_user_model()
        .objects.filter(
            login_name__in=[WANG, LI, ZHANG, LIU, CHEN, YANG, HUANG, ZHAO, AGENT, SUPERVISOR]
        )
        .values_list("login_name", "pk")
    )
    if AGENT not in rows or SUPERVISOR not in rows or WANG not in rows:
        return None
    return People(
        customers={k: v for k, v in rows.items() if k.startswith("+")},
        agent=Actor.agent(rows[AGENT]),
        supervisor=Actor.agent(rows[SUPERVISOR]),
    )


def _ago(hours: float) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def _tomorrow_at(hour: int) -> datetime:
    local = timezone.localtime() + timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _open(p: People, login: str, key: str, **values: Any) -> str:
    """Open a customer's ticket and tag it as this demo case; returns its number."""
    summary = tickets.open_ticket(p.customer(login), customer_id=p.customers[login], **values)
    tickets.tag(Actor.system(), summary.number, (*summary.tags, f"demo-{key}"))
    return summary.number


# --- The cases ------------------------------------------------------------------------------------


def _new_top_up(p: People) -> str:
    return _open(
        p,
        WANG,
        "topup-new",
        subject="充值 2,000 元还没到账",
        body="今天上午用招商银行卡充值 2,000 元，银行已经扣款，钱包余额没变。",
        category="topup_not_arrived",
        opened_at=_ago(1.5),
    )


def _open_withdrawal(p: People) -> str:
    number = _open(
        p,
        LI,
        "withdrawal-open",
        subject="提现显示成功，银行卡没收到",
        body="前天提现 500 元到尾号 1111 的卡，App 显示成功，银行流水里没有。",
        category="withdraw_not_arrived",
        channel="chat",
        opened_at=_ago(20),
    )
    tickets.reply(
        p.agent,
        number,
        "您好，已收到。我们正在向银行核实这笔提现的到账情况，一般 1 个工作日内给您答复。",
    )
    return number


def _pending_payment(p: People) -> str:
    number = _open(
        p,
        ZHANG,
        "payment-pending",
        subject="付款失败但钱被扣了",
        body="在京东付款 329 元，页面提示失败，但余额少了 329 元。",
        category="payment_failed",
        channel="email",
        opened_at=_ago(30),
    )
    tickets.reply(
        p.agent,
        number,
        "您好，麻烦提供一下付款的大概时间和订单截图（不要发送密码或验证码），我们马上帮您核查。",
        then_status="pending",
    )
    return number


def _on_hold_refund(p: People) -> str:
    number = _open(
        p,
        LIU,
        "refund-on-hold",
        subject="退款一周了还没到",
        body="滴滴出行的订单退款 46 元，商家说已经退了，我这边没收到。",
        category="refund_not_received",
        channel="api",
        opened_at=_ago(52),
    )
    tickets.reply(p.agent, number, "已联系商家核实退款进度（商家工单 DD-88213）。", internal=True)
    tickets.reply(
        p.agent,
        number,
        "您好，我们已联系商家核实，退款到账后会第一时间通知您。",
        then_status="on_hold",
    )
    return number


def _solved_and_rated(p: People) -> str:
    number = _open(
        p,
        CHEN,
        "password-solved",
        subject="忘记登录密码，重置时收不到短信",
        body="点了忘记密码，验证码一直收不到。",
        category="verification_code_not_received",
        opened_at=_ago(70),
    )
    tickets.reply(
        p.agent,
        number,
        "您好，运营商短信通道刚才有延迟，现已恢复。请重新获取验证码，如仍收不到请回复我们。",
        then_status="solved",
    )
    tickets.rate(p.customer(CHEN), number, 5, "回复很快，问题解决了，谢谢！")
    return number


def _closed_low_rating(p: People) -> str:
    number = _open(
        p,
        YANG,
        "fees-closed",
        subject="为什么提现要收手续费",
        body="上次提现没收费，这次收了 0.5 元。",
        category="fees",
        channel="social",
        opened_at=_ago(140),
    )
    tickets.reply(
        p.agent,
        number,
        "您好，提现手续费为 0.1%，最低 0.1 元；每月前几笔的免费额度用完后开始收取。",
        then_status="solved",
    )
    tickets.rate(p.customer(YANG), number, 2, "等了两天才回复。")
    tickets.change_status(p.agent, number, "closed")
    return number


def _phone_solved(p: People) -> str:
    number = _open(
        p,
        ZHAO,
        "phone-solved",
        subject="更换绑定手机号",
        body="客户来电：旧号码已停用，想换绑新手机号。",
        category="change_phone",
        channel="phone",
        opened_at=_ago(26),
    )
    tickets.log_call(
        p.agent,
        number,
        direction="inbound",
        duration_seconds=384,
        outcome="answered",
        notes="已核实身份，指导客户在 安全 → 更换手机号 中完成换绑。",
    )
    tickets.reply(p.agent, number, "您好，按电话里说的步骤已换绑成功。", then_status="solved")
    tickets.rate(p.customer(ZHAO), number, 4, "电话里讲得很清楚。")
    return number


def _complaint_near_breach(p: People) -> str:
    # Opened 21 hours ago: past 75 % of the 24-hour reply promise, so the supervisors are paged.
    return _open(
        p,
        HUANG,
        "complaint-near-breach",
        subject="同一笔消费被扣了两次",
        body="3 月 2 日在莎莎铜锣湾店消费 HK$268，钱包被扣了两次，商家说只收到一笔。",
        category="duplicate_charge",
        kind="complaint",
        opened_at=_ago(21),
        demand="退还多扣的 HK$268，并说明原因。",
    )


def _complaint_breached(p: People) -> str:
    number = _open(
        p,
        WANG,
        "complaint-breached",
        subject="商家拒绝退款，客服也不处理",
        body="在美团外卖点的餐没有送到，商家拒绝退款，已经两天没人处理。",
        category="merchant_refused_refund",
        kind="complaint",
        channel="web_form",
        opened_at=_ago(27),
        demand="全额退还 68 元。",
    )
    tickets.reply(
        p.agent,
        number,
        "已升级给主管，正在与商家沟通。",
        internal=True,
    )
    return number


def _merged_pair(p: People) -> str:
    keep = _open(
        p,
        ZHANG,
        "merged-keep",
        subject="转账给朋友对方没收到",
        body="昨晚转给李娜 200 元，她说没收到。",
        category="transfer_not_received",
        opened_at=_ago(10),
    )
    duplicate = _open(
        p,
        ZHANG,
        "merged-duplicate",
        subject="Re: 转账没收到",
        body="又发一次邮件：转账 200 元对方还是没收到，请尽快处理。",
        category="transfer_not_received",
        channel="email",
        opened_at=_ago(6),
    )
    tickets.merge(p.agent, duplicate, keep)
    return keep


def _callback_waiting(p: People) -> str:
    summary = tickets.request_callback(
        p.customer(LI),
        phone=LI,
        preferred_at=_tomorrow_at(10),
        topic="topup_failed",
        note="上午十点后方便接电话。",
    )
    tickets.tag(Actor.system(), summary.number, (*summary.tags, "demo-callback-waiting"))
    return summary.number


def _feedback_passed(p: People) -> str:
    number = _open(
        p,
        CHEN,
        "feedback-passed",
        subject="希望支持深色模式",
        body="晚上用 App 太亮了，希望能加一个深色模式。",
        category="feedback",
        kind="feedback",
        opened_at=_ago(96),
    )
    tickets.set_feedback_status(p.agent, number, "passed", note="已转交 App 产品组")
    tickets.reply(p.agent, number, "感谢您的建议，已转交产品团队评估。")
    return number


def _feedback_shipped(p: People) -> str:
    number = _open(
        p,
        LIU,
        "feedback-shipped",
        subject="账单能不能导出成 Excel",
        body="记账需要，希望交易记录能导出。",
        category="feedback",
        kind="feedback",
        opened_at=_ago(300),
    )
    tickets.set_feedback_status(p.agent, number, "passed")
    tickets.set_feedback_status(p.agent, number, "shipped", note="3.2 版已支持导出 CSV")
    tickets.reply(
        p.agent,
        number,
        "您好，新版本已支持在 交易记录 页导出 CSV，欢迎试用。",
        then_status="solved",
    )
    return number


def _cannot_sign_in(p: People) -> str:
    # What the public form opens once the email is verified: a contact, not an account.
    summary = tickets.open_ticket(
        Actor.system(),
        customer_id=None,
        subject="手机丢了，登录不了",
        body="来自无法登录的用户 王先生。已验证邮箱：wang.backup@example.com。\n\n"
        "手机昨天丢了，收不到验证码，担心钱包被盗用。",
        category="change_phone",
        channel="web_form",
        contact_email="wang.backup@example.com",
        contact_phone="+8613800138000",
        opened_at=_ago(3),
    )
    tickets.tag(
        Actor.system(), summary.number, (*summary.tags, "identity_check", "demo-cannot-sign-in")
    )
    return summary.number


def _fraud(p: People) -> str:
    # The automation rules make it urgent and put it in the security team's queue.
    return _open(
        p,
        ZHAO,
        "fraud-urgent",
        subject="有一笔不是我本人的消费",
        body="刚收到扣款通知，Booking.com 消费 €120，不是我本人操作。",
        category="unauthorized_transaction",
        opened_at=_ago(0.5),
    )


# The email thread's messages (fixed Message-IDs: the intake takes each one once).
EMAIL_THREAD_FIRST = "<demo-email-thread-1@mail.example.com>"
EMAIL_THREAD_REPLY = "<demo-email-thread-2@mail.example.com>"


def _mail(message_id: str, subject: str, body: str, *, replying_to: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = "王小明 <xiaoming.wang@example.com>"
    msg["To"] = settings.WALLETDESK_MAIL["SUPPORT_ADDRESS"]
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(timezone.now())
    if replying_to:
        msg["In-Reply-To"] = replying_to
        msg["References"] = replying_to
    msg.set_content(body)
    return msg.as_bytes()


def _email_thread(p: People) -> str:
    """A customer writes in by email, an agent answers (sent by email, threaded), and the
    customer's answer to that lands on the same ticket: all through the mail intake."""
    received = tickets.receive_email(
        _mail(
            EMAIL_THREAD_FIRST,
            "银行卡尾号 0128 解绑不了",
            "你好，我想解绑尾号 0128 的银联卡，App 里点「解绑」一直提示稍后再试。\n\n王小明",
        )
    )
    number = received.ticket_number
    assert number is not None
    tickets.tag(Actor.system(), number, ("demo-email-thread",))
    tickets.reply(
        p.agent,
        number,
        "王先生您好，这张卡还有一笔退款在处理中，退款完成前暂时不能解绑。"
        "预计 1–3 个工作日到账，到账后即可解绑。",
    )
    tickets.receive_email(
        _mail(
            EMAIL_THREAD_REPLY,
            "Re: 银行卡尾号 0128 解绑不了",
            "明白了，谢谢。退款到账后我再试一次。\n\n"
            "> 王先生您好，这张卡还有一笔退款在处理中，退款完成前暂时不能解绑。",
            replying_to=EMAIL_THREAD_FIRST,
        )
    )
    return number


CASES: tuple[tuple[str, Callable[[People], str]], ...] = (
    ("topup-new", _new_top_up),
    ("withdrawal-open", _open_withdrawal),
    ("payment-pending", _pending_payment),
    ("refund-on-hold", _on_hold_refund),
    ("password-solved", _solved_and_rated),
    ("fees-closed", _closed_low_rating),
    ("phone-solved", _phone_solved),
    ("complaint-near-breach", _complaint_near_breach),
    ("complaint-breached", _complaint_breached),
    ("merged-keep", _merged_pair),
    ("callback-waiting", _callback_waiting),
    ("feedback-passed", _feedback_passed),
    ("feedback-shipped", _feedback_shipped),
    ("cannot-sign-in", _cannot_sign_in),
    ("fraud-urgent", _fraud),
    ("email-thread", _email_thread),
)


def seed_desk(stdout: TextIO | Any) -> None:
    """Write the demo desk (each case once), then run the SLA sweep so the near-breach and
    breached complaints are escalated and their supervisors paged."""
    people = _people()
    if people is None:
        stdout.write("  desk: demo customers and staff missing, run seed_demo first\n")
        return
    added = 0
    for key, make in CASES:
        if tickets.ticket_tagged(f"demo-{key}") is not None:
            continue
        make(people)
        added += 1
    tickets.sweep_sla()
    seed_chat_desk(people.agent.user_id, people.supervisor.user_id)
    stdout.write(f"  desk: {added} demo tickets added ({len(CASES) - added} already there)\n")


def seed_chat_desk(*staff_ids: int | None) -> None:
    """Staff the live chat: a round-the-clock team 在线客服 for chats of any topic, and the
    security team that fraud and frozen-account chats go to, with the demo agent and supervisor
    in both. Without members a chat that asks for a person waits in a queue nobody works."""
    members = [pk for pk in staff_ids if pk is not None]
    tickets.ensure_team(
        "live-chat",
        title_zh="在线客服",
        title_en="Live chat",
        calendar="24x7",
        position=50,
        members=members,
    )
    # The security team comes with tickets migration 0011.
    tickets.add_team_members("security", members)
