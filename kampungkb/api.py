"""What every API view shares, and the account endpoints /api/me/, /api/me/token/
and /api/token/.

Rows always come through `kampungkb.access.scoped()`: a row outside the user's read
scope does not exist for them (404, or "does not exist" when referenced in input),
and a write outside their role or write scope is refused (403).
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from villages.models import Region
from villages.services import StaleEdit

from .access import ROLE_ACTIONS, can, require, scoped, user_scope
from .keyset import keyset_page
from .models import Role, User
from .parsers import StrictJSONParser
from .tokens import token_expires, token_get, token_issue, token_revoke


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(BasePagination):
    """Pages of a long list by cursor (kampungkb.keyset): no count, no offset.

    The view names its order with `keyset_keys()`; `next` and `previous` are the
    links to follow, null at either end.
    """

    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"

    def get_page_size(self, request):
        try:
            size = int(request.query_params.get(self.page_size_query_param, ""))
        except ValueError:
            return api_settings.PAGE_SIZE
        return min(max(size, 1), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            self.page = keyset_page(
                queryset,
                keys=view.keyset_keys(),
                cursor=request.query_params.get(self.cursor_query_param) or None,
                size=self.get_page_size(request),
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(
                {self.cursor_query_param: exc.messages}
            ) from None
        return self.page.rows

    def _link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link(self.page.next),
                "previous": self._link(self.page.previous),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from a `next` or "
                "`previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("Data ini sudah diubah orang lain.")
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, also turning the services' errors into API answers.

    A stale edit is a 409; any other Django ValidationError is a 400 with the
    messages under the field they concern.
    """
    if isinstance(exc, StaleEdit):
        exc = Conflict(detail=" ".join(exc.messages), code="stale")
    elif isinstance(exc, DjangoValidationError):
        detail = serializers.as_serializer_error(exc)
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


_ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages per input field (a list of strings, or nested for "
        "lists); `non_field_errors` holds those about the input as a whole.",
        "additionalProperties": {},
    },
}
_ERROR_DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not signed in",
    "403": "Not allowed for your role or region",
    "404": "Not found, or outside your region",
    "415": "Unsupported media type (send JSON)",
}


def document_errors(result, generator, request, public):
    """Add the error answers every operation can give to the schema.

    A spectacular postprocessing hook: 401/403 where sign-in is needed, 404 for a
    path with an id or a page number, 400 for input or filters, 415 for a body
    in a content type the operation does not read.
    """
    result.setdefault("components", {}).setdefault("schemas", {}).update(_ERROR_SCHEMAS)
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            query = {
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
            }
            codes = []
            # DELETE too: a rule may refuse it (e.g. an officer's last desa).
            if query or method in ("post", "put", "patch", "delete"):
                codes.append("400")
            if {} not in operation.get("security", [{}]):
                codes += ["401", "403"]
            if "{" in path or "page" in query:
                codes.append("404")
            # A body in a content type the operation does not read.
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                schema = "ValidationError" if code == "400" else "Error"
                operation["responses"].setdefault(
                    code,
                    {
                        "description": _ERROR_DESCRIPTIONS[code],
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{schema}"}
                            }
                        },
                    },
                )
    return result


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a row the requesting user may read; others do not exist."""

    def get_queryset(self):
        return scoped(super().get_queryset(), self.context["request"].user)


class ScopedViewSet(viewsets.GenericViewSet):
    """Reads through `scoped()`; writes checked by `require_writable()`.

    Bodies are JSON, read by kampungkb.parsers (settings.REST_FRAMEWORK).
    """

    pagination_class = Pagination
    # Any key reaches the view, so a malformed one is a JSON 404 like a missing one.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return scoped(super().get_queryset(), self.request.user)

    def require_writable(self, obj, action: str):
        """403 unless the role allows `action` and `obj` is in the write scope."""
        user = self.request.user
        require(user, action)
        writable = scoped(
            type(obj)._default_manager.filter(pk=obj.pk), user, write=True
        )
        if not writable.exists():
            raise PermissionDenied


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, built once per process and language.

    It changes only with the code, and a deploy starts new processes; the help
    texts are translated, so each language has its own.
    """

    _built: dict = {}

    def _get_schema_response(self, request):
        version = (
            self.api_version or request.version or self._get_version_parameter(request)
        )
        language = translation.get_language()
        if language not in dict(settings.LANGUAGES):
            # Only the languages served: a `lang` of the client's choosing
            # must not grow the cache.
            return super()._get_schema_response(request)
        key = (language, version)
        if key not in self._built:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            self._built[key] = generator.get_schema(
                request=request, public=self.serve_public
            )
        return Response(
            data=self._built[key],
            headers={
                "Content-Disposition": "inline; "
                f'filename="{self._get_filename(request, version)}"'
            },
        )


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]


ALL_ACTIONS = sorted(set().union(*ROLE_ACTIONS.values()))


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    read_regions = RegionBriefSerializer(
        many=True,
        allow_null=True,
        help_text="Regions whose records you read, with everything below them; "
        "null: the whole country.",
    )
    write_regions = RegionBriefSerializer(
        many=True,
        allow_null=True,
        help_text="Regions whose records you may change; null: the whole country.",
    )
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_ACTIONS),
        help_text="What your role may do, within `write_regions`.",
    )


class MeView(APIView):
    """The signed-in user: role, the regions they read and write, allowed actions."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        scope = user_scope(user)
        data = {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.effective_role,
            "read_regions": scope.read,
            "write_regions": scope.write,
            "actions": [action for action in ALL_ACTIONS if can(user, action)],
        }
        return Response(MeSerializer(data).data)


class TokenSerializer(AuthTokenSerializer):
    # No longer than a username can be: django-axes records every attempt, and a
    # longer name would overflow its column (a 500 on PostgreSQL).
    username = serializers.CharField(
        label=_("Username"),
        max_length=User._meta.get_field("username").max_length,
        write_only=True,
    )
    expires = serializers.DateTimeField(
        read_only=True, help_text="When the token stops working (401)."
    )


class TokenView(ObtainAuthToken):
    """Exchange a username and password for your API token.

    Send it as `Authorization: Token <token>`. It works until `expires`, then ask
    again for a new one; a password change or reset ends it sooner. Repeated
    wrong passwords lock the account as the login page does (429).
    """

    # No session: a browser's cookie must not make this a CSRF-checked request.
    authentication_classes = ()
    serializer_class = TokenSerializer
    # ObtainAuthToken's own list has DRF's plain JSONParser.
    parser_classes = [FormParser, MultiPartParser, StrictJSONParser]

    @extend_schema(
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(ErrorSerializer, description="Locked out"),
        }
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        # The serializer authenticates with the request, so django-axes counts the
        # failure and refuses a locked-out account; it flags the request when it does.
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    detail=_(
                        "Terlalu banyak percobaan masuk yang gagal. Coba lagi setelah "
                        "30 menit, atau minta staf dinas mengatur ulang kata sandi Anda."
                    )
                ) from None
            raise
        token = token_issue(user=serializer.validated_data["user"])
        return Response(
            TokenSerializer({"token": token.key, "expires": token_expires(token)}).data
        )


class MyTokenSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="Whether you have a token.")
    created = serializers.DateTimeField(allow_null=True)
    expires = serializers.DateTimeField(allow_null=True)


class MyTokenView(APIView):
    """Your API token: whether you have one and until when (GET), or revoke it (DELETE)."""

    @extend_schema(responses=MyTokenSerializer)
    def get(self, request):
        token = token_get(user=request.user)
        return Response(
            MyTokenSerializer(
                {
                    "active": token is not None,
                    "created": token and token.created,
                    "expires": token and token_expires(token),
                }
            ).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=204)
