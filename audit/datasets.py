"""Load evaluation datasets (CSV, Parquet, Excel) and describe them in a `DatasetRef`."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from audit.errors import DatasetError
from audit.hashing import sha256_file
from audit.refs import ColumnInfo, DatasetRef

_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# pandas' default list of text read as missing. It still applies to every column that is not sensitive; sensitive
# columns are read as written (only empty cells are missing), so a group called "NA" or "null" stays a group.
PANDAS_NA_VALUES = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)


def load_dataset(
    path: str | Path, *, sheet: str | None = None, sensitive: Collection[str] = ()
) -> tuple[pd.DataFrame, DatasetRef]:
    """Read a dataset file; the format is detected from its bytes, not trusted from its name.

    `sensitive` columns are read as written: in CSV and Excel only empty cells are missing there, never the text
    "NA", "N/A", "null", ... (pandas' default list, which still applies to the other columns). Marking further values
    as missing is the user's decision (`--na-values`, see audit/values.py)."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(
            f"Dataset file not found: {path}", "Check the path; relative paths are resolved from the current folder."
        )
    if path.is_dir():
        raise DatasetError(f"{path} is a folder, not a dataset file.", "Point --data at a .csv, .parquet or .xlsx file.")
    size = path.stat().st_size
    if size == 0:
        raise DatasetError(
            f"Dataset file {path.name} is empty (0 bytes).", "Export the evaluation data again; the file holds nothing."
        )
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    encoding = delimiter = used_sheet = None
    if head.startswith(_PARQUET_MAGIC):
        fmt, df = "parquet", _read_parquet(path)
    elif head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        fmt = "excel"
        df, used_sheet = _read_excel(path, sheet, sensitive)
    else:
        fmt = "csv"
        df, encoding, delimiter = _read_csv(path, head, sensitive)
    if sheet is not None and fmt != "excel":
        raise DatasetError(
            f"--sheet {sheet!r} was given, but {path.name} is a {fmt.upper()} file, not an Excel workbook.",
            "Drop --sheet, or point --data at the .xlsx workbook.",
        )
    _check_frame(df, path)
    ref = DatasetRef(
        path=str(path.resolve()),
        format=fmt,
        sha256=sha256_file(path),
        size_bytes=size,
        rows=len(df),
        columns=tuple(ColumnInfo(name=str(c), dtype=str(df[c].dtype), missing=int(df[c].isna().sum())) for c in df.columns),
        encoding=encoding,
        delimiter=delimiter,
        sheet=used_sheet,
    )
    return df, ref


# What pyarrow's messages say when memory, not the file, failed (its C++ allocator and thread pool report through
# OSError / ArrowInvalid as well as ArrowMemoryError): "malloc of size N failed", "std::bad_alloc", "Cannot allocate
# memory", "Resource temporarily unavailable" (a thread could not start).
_MEMORY_WORDS = ("malloc", "bad_alloc", "cannot allocate", "out of memory", "memory limit", "resource temporarily unavailable")


def _short_of_memory(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(w in text for w in _MEMORY_WORDS)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except MemoryError:  # pyarrow's ArrowMemoryError too: the file is fine, the memory is short (audit/engines/memory.py)
        raise
    except Exception as exc:  # pyarrow raises several types for damaged files
        if _short_of_memory(exc):  # and OSError / ArrowInvalid when an allocation or a thread start fails
            raise MemoryError(str(exc)) from exc
        raise DatasetError(
            f"{path.name} looks like Parquet but cannot be read: {exc}", "The file may be truncated; export it again."
        ) from exc


def _na_by_column(header: pd.Index, sensitive: Collection[str]) -> dict[str, list[str]]:
    """`na_values` for read_csv/read_excel with `keep_default_na=False`: pandas' list everywhere but the sensitive
    columns, where only an empty cell is missing."""
    return {c: [""] if c in sensitive else list(PANDAS_NA_VALUES) for c in header}


def _read_excel(path: Path, sheet: str | None, sensitive: Collection[str] = ()) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:
        if _is_skops(path):
            raise DatasetError(
                f"{path.name} is a skops model file, not a dataset.",
                "Pass it with --model, and give the evaluation data (CSV, Parquet or Excel) with --data.",
            ) from exc
        raise DatasetError(
            f"{path.name} is not a readable Excel workbook ({exc}).",
            "Save it as .xlsx (Excel 2007 or later) or export it as CSV.",
        ) from exc
    names = book.sheet_names
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise DatasetError(f"Sheet '{sheet}' is not in {path.name}.", f"Choose one of: {', '.join(names)}.")
    try:
        if not sensitive:
            return pd.read_excel(book, sheet_name=sheet), sheet
        header = pd.read_excel(book, sheet_name=sheet, nrows=0).columns
        return pd.read_excel(book, sheet_name=sheet, keep_default_na=False, na_values=_na_by_column(header, sensitive)), sheet
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl parses the sheet only now: damaged XML, styles or zip members surface here
        raise DatasetError(
            f"Sheet '{sheet}' of {path.name} cannot be read: the workbook is damaged ({type(exc).__name__}: {str(exc)[:200]}).",
            "Open and save it again in Excel (or LibreOffice), or export the sheet as CSV.",
        ) from exc


def _is_skops(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return "schema.json" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _detect_encoding(head: bytes) -> str:
    bom = _bom_encoding(head)
    if bom is not None:
        return bom
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a multi-byte character cut by the sniff window
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best is not None else "latin-1"


def _looks_binary(head: bytes) -> bool:
    bom = _bom_encoding(head)
    if bom in ("utf-16", "utf-32"):
        # Excel's "Unicode text" is UTF-16 with a BOM: half its bytes are zero, so judge the decoded characters.
        text = head[:16384].decode(bom, errors="replace")[:4096]
        # Random bytes after a BOM decode to characters too, but with lone surrogates (replaced by U+FFFD).
        bad = text.count("\ufffd") / max(len(text), 1)
        return "\x00" in text or bad > 0.01 or _control_share(text) > 0.05
    if b"\x00" in head[:4096]:
        return True
    return _control_share(head[:4096]) > 0.05


def _control_share(sample: bytes | str) -> float:
    codes = sample if isinstance(sample, bytes) else [ord(ch) for ch in sample]
    controls = sum(1 for b in codes if b < 9 or 13 < b < 32)
    return controls / len(codes) if len(codes) else 0.0


def csv_delimiter(path: Path, text: str) -> str:
    """The delimiter of a CSV from its opening text (sniffed from the first 50 non-blank lines); a file of blank
    lines is refused. The DuckDB and Spark engines detect it the same way (audit/engines/checks.py)."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:50]
    if not lines:
        raise DatasetError(f"{path.name} holds no rows, only blank space.", "Export the evaluation data again.")
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = max(_DELIMITERS, key=lambda d: lines[0].count(d))
        return delimiter if lines[0].count(delimiter) else ","


def _read_csv(path: Path, head: bytes, sensitive: Collection[str] = ()) -> tuple[pd.DataFrame, str, str]:
    if _looks_binary(head):
        raise DatasetError(
            f"{path.name} is not a text table: it holds binary data.",
            "Give a CSV, Parquet (.parquet) or Excel (.xlsx) file. If this is a model, pass it with --model.",
        )
    encoding = _detect_encoding(head)
    text = head.decode(encoding, errors="replace")
    opening = "".join(text.lstrip("\ufeff \t\r\n")[:8].split())[:2]
    if opening[:1] == "{" or opening in ("[{", "[[", '["'):
        raise DatasetError(
            f"{path.name} holds JSON, not a table.",
            "Give the evaluation data as CSV, Parquet or Excel. If this is an XGBoost model, pass it with --model.",
        )
    delimiter = csv_delimiter(path, text)
    try:
        if sensitive:
            header = pd.read_csv(path, sep=delimiter, encoding=encoding, nrows=0).columns
            df = pd.read_csv(
                path,
                sep=delimiter,
                encoding=encoding,
                low_memory=False,
                keep_default_na=False,
                na_values=_na_by_column(header, sensitive),
            )
        else:
            df = pd.read_csv(path, sep=delimiter, encoding=encoding, low_memory=False)
    except pd.errors.ParserError as exc:
        raise DatasetError(
            f"{path.name} is not a consistent table with delimiter {delimiter!r}: {str(exc).strip()}",
            "Check that every row has the same number of fields and that quoted fields are closed.",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DatasetError(f"{path.name} has no columns.", "The first line must be a header row naming the columns.") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path.name} mixes text encodings ({exc}).", "Save the file as UTF-8 and try again.") from exc
    _check_raw_header(path, head, encoding, delimiter)
    if df.shape[1] == 1 and len(df) > 0:
        # An audit needs at least a target, a sensitive feature and decisions: one column means the split failed.
        only = str(df.columns[0])
        seen = [repr(c) for c in ":,;|\t " if c in only.strip()]
        raise DatasetError(
            f"{path.name} was read as a single column '{only[:60]}': the delimiter could not be detected"
            + (f" (the header contains {', '.join(seen)})." if seen else "."),
            "Save the file with one delimiter (comma, semicolon, tab or |) used consistently, "
            "and a header row naming the columns.",
        )
    return df, encoding, delimiter


def _check_raw_header(path: Path, head: bytes, encoding: str, delimiter: str) -> None:
    # pandas silently renames duplicate headers to "x.1"; a user must be told instead.
    try:
        first = next(csv.reader(io.StringIO(head.decode(encoding, errors="replace")), delimiter=delimiter), [])
    except csv.Error as exc:  # e.g. a bare carriage return inside the header row
        raise DatasetError(
            f"{path.name} has a header row that cannot be read as CSV ({exc}).",
            "Save the file again as CSV with one header row and ordinary line ends.",
        ) from exc
    seen: set[str] = set()
    dupes = sorted({c for c in first if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dupes:
        raise DatasetError(
            f"{path.name} has duplicate column names: {', '.join(dupes[:10])}{' ...' if len(dupes) > 10 else ''}.",
            "Rename the columns so each name appears once.",
        )


def _check_frame(df: pd.DataFrame, path: Path) -> None:
    if df.shape[1] == 0 or len(df) == 0:
        raise DatasetError(f"{path.name} has a header but no data rows.", "Export the evaluation data again, with its rows.")
    names = [str(c) for c in df.columns]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise DatasetError(
            f"{path.name} has duplicate column names: {', '.join(dupes)}.", "Rename the columns so each name appears once."
        )
    if df.shape[1] == 1 and len(df) > 1:
        only = names[0]
        if any(d in only for d in ",;\t|"):
            raise DatasetError(
                f"{path.name} was read as a single column '{only[:60]}': the delimiter could not be detected.",
                "Use one delimiter (comma, semicolon, tab or |) consistently, with a header row.",
            )
