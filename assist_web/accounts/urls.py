from django.contrib.auth import views as auth_views
from django.urls import path

from assist_web.accounts.forms import SignInForm

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
