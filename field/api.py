"""Filled by its own branch (issue 16)."""


def bundle(request):
    raise NotImplementedError


def sync(request):
    raise NotImplementedError
