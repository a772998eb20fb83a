"""Filled in by the stunting work."""

urlpatterns = []
