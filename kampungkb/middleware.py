from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PreferredLanguageMiddleware:
    """Indonesian unless the user picked another language with the switcher.

    The browser's Accept-Language is ignored on purpose: many officials' phones run
    in English, and the program's working language is Indonesian.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = code
        # override() restores the previous language afterwards, so one request's
        # choice never leaks into the next on the same thread.
        with translation.override(code):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a NUL character in the path, query, form fields, cookies or headers.

    PostgreSQL can neither store nor compare text holding a NUL, so one that reaches
    a query is a 500, and no person types one. This is the one check for what Django
    parses; JSON bodies are checked by the API's parser (kampungkb.parsers). The
    contents of uploaded files are not looked at: the importers read those.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _nul_in(request)
        if where is None:
            return self.get_response(request)
        # Says where, never the value: it may be someone's data.
        message = _("Permintaan ditolak: %(where)s berisi karakter NUL.") % {
            "where": where
        }
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        # The app's 400 page, drawn from files only: nothing of this request is
        # read again (not the session, not the path that holds the NUL).
        return HttpResponseBadRequest(
            render_to_string("400.html", {"message": message})
        )


def _nul_in(request):
    """Where the request holds a NUL, in words, or None."""
    if NUL in request.path_info:
        return _("alamat halaman")
    for name, value in request.META.items():
        if name.startswith("HTTP_") and NUL in str(value):
            return _("header %(name)s") % {"name": name[5:].replace("_", "-")}
    if any(NUL in name + value for name, value in request.COOKIES.items()):
        return _("cookie")
    # A form body is parsed here once, as the view would; Django and DRF reuse it.
    form = request.POST if request.content_type in FORM_TYPES else QueryDict()
    for kind, data in ((_("parameter"), request.GET), (_("isian"), form)):
        for name, values in data.lists():
            if NUL in name or any(NUL in value for value in values):
                return f'{kind} "{name.replace(NUL, "")[:40]}"'
    return None
