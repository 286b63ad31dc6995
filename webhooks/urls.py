from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/toggle", views.toggle, name="toggle"),
    path("<int:pk>/test", views.send_test, name="test"),
    path("<int:pk>/rotate-secret", views.rotate_secret, name="rotate-secret"),
    path("<int:pk>/delete", views.delete, name="delete"),
    path("deliveries/<int:pk>/redeliver", views.redeliver, name="redeliver"),
]
