"""Cards bound before the sandbox stopped naming unknown issuers "Sandbox Bank": drop that name
(pages then show the translated card brand) from the cards and from the records that copied it."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

PLACEHOLDER = "Sandbox Bank"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    BankCard = apps.get_model("payments", "BankCard")
    Activity = apps.get_model("payments", "Activity")
    brands = dict(
        BankCard.objects.filter(bank_name=PLACEHOLDER).values_list("last4", "brand").distinct()
    )
    BankCard.objects.filter(bank_name=PLACEHOLDER).update(bank_name="")
    for last4, brand in brands.items():
        label = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}.get(
            brand, "JCB" if brand == "jcb" else "Bank card"
        )
        Activity.objects.filter(counterparty=f"{PLACEHOLDER} •••• {last4}").update(
            counterparty=Replace("counterparty", Value(PLACEHOLDER), Value(label))
        )


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_transfer_function_fewer_statements")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
