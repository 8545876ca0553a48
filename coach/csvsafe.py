"""CSV cells a spreadsheet will not run: a cell that starts with = + - @ (or a tab or CR) is a formula
to Excel, LibreOffice and Google Sheets, so an answer id like ``=HYPERLINK("http://…")`` would run
when a coach opens the results. Such a cell is written with a leading apostrophe (a spreadsheet's own
"this is text" mark, hidden when shown); a cell that already starts with one gets one more, so
reading the file back (``coach batch --resume``, the report) restores every cell exactly.
"""

from __future__ import annotations

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(cell: str) -> str:
    """The cell as written to a CSV file: text that no spreadsheet evaluates."""
    return "'" + cell if cell.startswith(_TRIGGERS) else cell


def restore(cell: str) -> str:
    """The inverse of :func:`neutralise`, for cells read back from a file this project wrote."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_TRIGGERS) else cell
