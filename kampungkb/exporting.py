"""Values for the cells of every CSV and XLSX export.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (also after
leading spaces) or with a tab or carriage return as a formula: a Kampung KB named
`=HYPERLINK("http://evil","klik")` would become a live link in an official's
workbook. Every exporter writes its rows through `safe_row`, so such text gets a
leading single quote (OWASP's CSV injection advice) and stays text; numbers,
dates and empty cells are written as they are.
"""

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet must read it: text that could run, quoted."""
    if isinstance(value, str) and (
        value.startswith(CONTROL_STARTS) or value.lstrip().startswith(FORMULA_STARTS)
    ):
        return "'" + value
    return value


def safe_row(values) -> list:
    """A row of cells through `safe_cell`."""
    return [safe_cell(value) for value in values]
