"""Headers every dynamic response carries: a strict CSP and no caching.

Pages run only the app's own script files (no inline script, no eval), so an
injected <script> or onclick= does nothing. Pages and API answers hold personal
data and posyandu devices are shared: nothing may be kept by a browser or proxy
cache, or shown again by the back button after sign-out. Static files never pass
through here (WhiteNoise answers them first) and keep their long caching.
"""

from django.utils.cache import add_never_cache_headers

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # No inline style either: plotly.js's own rules come as a file
        # (includes/plotly.html); the rest it sets through the DOM, which is allowed.
        "style-src 'self'",
        # plotly.js draws its icons and "download as PNG" images from data:/blob:.
        "img-src 'self' data: blob:",
        # The field app (/lapangan/): its service worker and its manifest.
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """The CSP on HTML answers, never-cache headers on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(
                "Content-Security-Policy", CONTENT_SECURITY_POLICY
            )
        add_never_cache_headers(response)
        return response
