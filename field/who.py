"""Filled by its own branch (issue 16)."""


def who_tables(request):
    raise NotImplementedError
