"""Cells that are safe to open in a spreadsheet.

Excel, WPS and LibreOffice read a cell whose text starts with =, +, - or @ as a
formula, and a leading tab or carriage return can hide such a start. A client's
name or an advisor's note is typed by users, so an export that writes it as is
lets one user plant a formula (a HYPERLINK that sends the sheet's other cells
away, say) that runs on the machine of whoever opens the file. Every CSV and
xlsx export, and any import that writes a file back, passes each cell through
cell_safe(), following the OWASP advice on CSV injection: a single quote in
front makes the spreadsheet show the text as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> Any:
    """The value to write in a cell: text that could start a formula gets a leading quote.

    Numbers, dates and empty cells are returned unchanged, so that they stay numbers
    and dates in the sheet (a negative amount is a number, not a formula).
    """
    if isinstance(value, Promise):
        # A lazily translated label is text too; write it as the translated string.
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row_safe(row: Iterable[Any]) -> list[Any]:
    """A row with every cell passed through cell_safe()."""
    return [cell_safe(value) for value in row]
