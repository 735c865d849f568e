from django.urls import path

app_name = "dicomweb"
urlpatterns: list = []
