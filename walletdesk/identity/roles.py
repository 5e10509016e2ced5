"""Staff roles as Django groups, and what each may do.

`Role` on the user says which role someone has; the group of the same name carries the
permissions, so the admin shows and edits them like any Django group. `sync_role_groups` creates
the groups and grants the permissions below; the data migration runs it, and so does every
`migrate` (post_migrate), so permissions of models added later reach the groups too. It never takes
away a permission an operator granted by hand.

What each role may do (docs/security.md, ACC-4, has the same table):

- agent: open customer data with a reason, refund below the threshold, ask for larger refunds,
  work tickets in the agent desk, freeze a customer's account in an emergency and re-query a
  top-up or withdrawal on the rail from the console (an unfreeze still needs two approvers), send
  a customer the code they are waiting for again.
- senior agent: as agent, plus the identity-review queue, approving refunds and unfreezes, and
  lifting a customer's payment-password lock from the console.
- supervisor: as senior agent, plus the admin, looking only, at money, ledger and messages, and
  the console's live queues (reassigning chats).
- admin: every permission.
"""

from __future__ import annotations

from typing import Any

from walletdesk.identity.enums import Role

AGENT_PERMISSIONS = (
    "identity.view_customer_data",
    "identity.refund_payment",
    "identity.view_approval_queue",
    "tickets.work_tickets",
    "console.freeze_customer",
    "console.requery_rail",
    "console.resend_code",
)
SENIOR_AGENT_PERMISSIONS = (
    *AGENT_PERMISSIONS,
    "identity.review_kyc",
    "identity.approve_refund",
    "identity.approve_unfreeze",
    "console.unlock_payment_password",
)
# Supervisors look at the money tables in the admin; they change nothing there.
SUPERVISOR_ADMIN_APPS = ("payments", "ledger", "notifications")
SUPERVISOR_PERMISSIONS = (
    *SENIOR_AGENT_PERMISSIONS,
    "identity.use_admin_site",
    "identity.view_approvalrequest",
    "tickets.export_complaints",
    "tickets.handle_escalations",
    "tickets.view_csat_report",
    "console.supervise_chats",
)

ROLE_GROUP_NAMES: dict[str, str] = {
    Role.AGENT: "agent",
    Role.SENIOR_AGENT: "senior agent",
    Role.SUPERVISOR: "supervisor",
    Role.ADMIN: "admin",
}


def _permissions(permission_model: Any, labels: tuple[str, ...]) -> list[Any]:
    found = []
    for label in labels:
        app_label, codename = label.split(".", 1)
        found += list(
            permission_model.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


def role_permissions(role: str, permission_model: Any) -> list[Any]:
    """The permissions the role's group must hold (an admin's group holds every permission)."""
    if role == Role.ADMIN:
        return list(permission_model.objects.all())
    if role == Role.SUPERVISOR:
        views = permission_model.objects.filter(
            content_type__app_label__in=SUPERVISOR_ADMIN_APPS, codename__startswith="view_"
        )
        return [*_permissions(permission_model, SUPERVISOR_PERMISSIONS), *views]
    if role == Role.SENIOR_AGENT:
        return _permissions(permission_model, SENIOR_AGENT_PERMISSIONS)
    if role == Role.AGENT:
        return _permissions(permission_model, AGENT_PERMISSIONS)
    return []


def sync_role_groups(apps: Any = None) -> None:
    """Create the four role groups, grant their permissions and put staff in their role's group.

    `apps` is a migration's app registry, or None for the running project's."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    user_model = apps.get_model("identity", "User")
    for role, name in ROLE_GROUP_NAMES.items():
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.add(*role_permissions(role, permission_model))
        for user in user_model.objects.filter(role=role).exclude(groups=group):
            user.groups.add(group)


def place_in_role_group(user: Any) -> None:
    """Keep a user's role group in step with `User.role` (other groups are left alone)."""
    from django.contrib.auth.models import Group

    wanted = ROLE_GROUP_NAMES.get(user.role)
    names = set(ROLE_GROUP_NAMES.values())
    current = set(user.groups.filter(name__in=names).values_list("name", flat=True))
    if current == ({wanted} if wanted else set()):
        return
    stale = [group for group in Group.objects.filter(name__in=current - {wanted})]
    if stale:
        user.groups.remove(*stale)
    if wanted is not None and wanted not in current:
        group = Group.objects.filter(name=wanted).first()
        if group is not None:
            user.groups.add(group)
