"""Pages for one's own account and for staff managing the accounts of their region."""

from django.urls import path

from . import views

urlpatterns = [
    path("sandi/", views.PasswordChange.as_view(), name="password_change"),
    path("token/", views.api_token, name="api-token"),
    path("pengguna/", views.user_list, name="user-list"),
    path("pengguna/baru/", views.user_create, name="user-create"),
    path("pengguna/<int:pk>/", views.user_edit, name="user-edit"),
    path(
        "pengguna/<int:pk>/atur-ulang-sandi/",
        views.user_reset_password,
        name="user-reset-password",
    ),
]
