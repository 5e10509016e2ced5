from django.urls import path

from walletdesk.assistant import views

app_name = "assistant"

urlpatterns = [
    path("try/", views.try_nlu, name="try"),
]
