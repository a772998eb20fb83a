from django.conf import settings
from django.utils import translation


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
