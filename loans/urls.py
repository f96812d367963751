from django.urls import path

from loans import views

app_name = "loans"

urlpatterns: list = []
