from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kampungkb import views
from kampungkb.forms import SignInForm

urlpatterns = [
    # The dashboards own "/" (the user's dashboard): before the registry's pages.
    path("", include("dashboards.urls")),
    path("", include("villages.urls")),
    path("stunting/", include("stunting.urls")),
    path("evaluasi/", include("evaluations.urls")),
    path("lapangan/", include("field.urls")),
    path("akun/", include("kampungkb.account_urls")),
    path("api/", include("kampungkb.api_urls")),
    # The search boxes of forms whose choices are too many for a list.
    path("cari/<str:kind>/", views.choice_search, name="choice-search"),
    path("admin/", admin.site.urls),
    # Signed-out visitors may switch language on the sign-in page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("keluar/", views.SignOutView.as_view(), name="logout"),
]
