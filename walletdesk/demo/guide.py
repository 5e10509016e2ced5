"""docs/demo.md and the logins table at the end of `make run`, rendered from `demo.cases`."""

from __future__ import annotations

from pathlib import Path

from walletdesk.demo.cases import (
    CASES,
    CUSTOMERS,
    DEMO_PASSWORD,
    DEMO_PAYMENT_PASSWORD,
    INCIDENT_COMPONENTS,
    STAFF,
)

GUIDE_PATH = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


def display_phone(phone: str) -> str:
    """+8613800138000 → +86 138 0013 8000; +85291234567 → +852 9123 4567."""
    if phone.startswith("+86") and len(phone) == 14:
        return f"+86 {phone[3:6]} {phone[6:10]} {phone[10:]}"
    if phone.startswith("+852") and len(phone) == 12:
        return f"+852 {phone[4:8]} {phone[8:]}"
    return phone


def _cases_text(case_ids: tuple[str, ...]) -> str:
    return "; ".join(f"`{case_id}` {CASES[case_id].zh}" for case_id in case_ids)


def logins_table() -> list[str]:
    """One line per demo login, as printed at the end of `seed_demo`."""
    lines = []
    for customer in CUSTOMERS:
        what = _cases_text(customer.cases) or customer.note
        lines.append(f"  {display_phone(customer.phone):<18} {customer.name:<12} {what}")
    for staff in STAFF:
        extra = f" ({staff.note})" if staff.note else ""
        lines.append(f"  {staff.login:<32} {staff.role}{extra}")
    return lines


def guide_markdown() -> str:
    out = [
        "# The demo world",
        "",
        "<!-- Generated from walletdesk/demo/cases.py by `make demo-guide`; do not",
        "edit by hand. walletdesk/demo/tests/test_demo_world.py checks this file and the",
        "seeded data. -->",
        "",
        "`make run` loads it (`python manage.py seed_demo`, idempotent: a second run adds no",
        "record). Cases bound to time (a lock, the 24-hour hold, a rail stuck until a given time,",
        "a freeze's cool-off) are renewed relative to the moment of each run, so they are alive",
        "on any day. `python manage.py seed_demo --manifest` prints the same table as JSON on its",
        'last line: `{"customers": [{"login", "name", "lang", "cases"}], '
        '"staff": [{"login", "role"}]}`.',
        "",
        f"Every demo login uses the password `{DEMO_PASSWORD}`; customers' payment password is "
        f"`{DEMO_PAYMENT_PASSWORD}`.",
        "",
        "## Customers",
        "",
        "| login | name | language | cases | notes |",
        "|---|---|---|---|---|",
    ]
    for customer in CUSTOMERS:
        cases = "<br>".join(f"`{case_id}`" for case_id in customer.cases)
        note = customer.note
        if customer.first_phone:
            note = f"signed up as {display_phone(customer.first_phone)}"
        out.append(
            f"| {display_phone(customer.phone)} | {customer.name} | {customer.lang} | "
            f"{cases} | {note} |"
        )
    out += [
        "",
        "## Cases",
        "",
        "| case | who | what support sees | where it comes from |",
        "|---|---|---|---|",
    ]
    for case in CASES.values():
        who = ", ".join(c.name for c in CUSTOMERS if case.id in c.cases)
        source = f"`{case.provided_by}`" if case.provided_by else "seed_demo"
        out.append(f"| `{case.id}` | {who} | {case.zh}<br>{case.en} | {source} |")
    out += [
        "",
        "## Staff",
        "",
        "| login | role | |",
        "|---|---|---|",
    ]
    for staff in STAFF:
        out.append(f"| {staff.login} | {staff.role} | {staff.note} |")
    out += [
        "",
        "Staff accounts come with an authenticator app (TOTP) already set up. With development",
        "settings (`DEBUG`) `seed_demo` prints each one's TOTP secret next to the logins: add it",
        "to an authenticator app (or compute a code from it) to sign in as an agent at once.",
        "Production settings refuse to print it.",
        "",
        "The agent and the supervisor staff the live chat: `seed_demo` puts both in the",
        "round-the-clock team 在线客服 / Live chat (any topic) and in the security team (fraud",
        "and frozen accounts, also round the clock). To take a chat, sign in as the agent, open",
        "`/desk/chats/` and set yourself online; then, as a customer in another browser, open",
        "联系客服 → 在线咨询, write, and tap 「转人工」: the chat is offered to the agent at once,",
        "at any hour. The other teams (`supervisors`, on mainland office hours) have no members,",
        "so tickets assigned to them wait for someone to pick them up, as the demo's escalated",
        "complaints do.",
        "",
        "## Service incidents",
        "",
        "None by default. `python manage.py seed_demo --incident <rail>` opens one on a sandbox",
        "rail (shown on the status page and read by the assistant's troubleshooting flows):",
        "",
        "| rail | components affected |",
        "|---|---|",
    ]
    for rail, components in INCIDENT_COMPONENTS.items():
        out.append(f"| `{rail}` | {', '.join(components)} |")
    out += [
        "",
        "## Notes",
        "",
        "- The sign-in lock (`login_locked`) lives in the cache (Redis in production, files under",
        "  `var/cache/` in the default `make run`, shared by every process) and holds for its",
        "  30-minute cool-off after each seeding.",
        "- Numbers starting +86 170 0000 are unreachable for the development SMS provider",
        "  (`code_undeliverable`).",
        "- The overdue top-up and the withdrawal in flight stay pending because the sandbox rail",
        "  is stuck for them until three days after each seeding (`sandbox.stick_until`).",
        "- `history_90_days`: the 90 days up to yesterday, each day's plan fixed by its date, so",
        '  a run on a later day adds the days since (and "yesterday\'s payment" always exists).',
        "  Payments, transfers and refunds are dated through the operations' clock (`at=`), the",
        "  ledger entries included; top-ups are replayed against the sandbox rail",
        "  (`payments.facade.replay_top_up`), which answers when they were asked for and settles",
        "  them one rail latency later: the credit and the rail's timeline carry those moments, so",
        "  no balance replayed over time dips below zero.",
        "",
    ]
    return "\n".join(out)
