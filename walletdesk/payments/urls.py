from django.urls import path

from walletdesk.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.home, name="home"),
]
