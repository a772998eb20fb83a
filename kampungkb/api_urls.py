"""The REST API: one router for every app, the OpenAPI schema and its Swagger UI."""

urlpatterns = []
