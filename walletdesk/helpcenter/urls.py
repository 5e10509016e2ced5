from typing import Any

app_name = "helpcenter"

urlpatterns: list[Any] = []
