from typing import Any

app_name = "assistant"

urlpatterns: list[Any] = []
