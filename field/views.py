"""Filled by its own branch (issue 16)."""


def app(request):
    raise NotImplementedError


def service_worker(request):
    raise NotImplementedError


def manifest(request):
    raise NotImplementedError
