"""The app's URLs plus one page that fails, to see the 500 page as users do."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from kampungkb.urls import urlpatterns as app_urlpatterns


@login_not_required
def broken(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [path("rusak/", broken), *app_urlpatterns]
