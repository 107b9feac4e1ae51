//! 表格文件 reading the sheets offices bring: .xlsx (and .xls/.ods, through calamine) and .csv
//! in UTF-8 with or without a byte-order mark or in GB18030/GBK (what Chinese Excel and WPS save).
//! A sheet is returned as rows of cell texts; what the cells mean is decided by
//! `jindu_domain::import`.
//!
//! What a workbook knows beyond its cells is honoured here (issue #18): its date system (1900 or
//! 1904), its vertically merged cells (filled from the region's first cell), and the digits a
//! number-typed cell has lost (a number of more than 15 digits is written as Excel shows it,
//! `3.1011019850319E+17`, never as a plausible `310110198503190000`).

use calamine::{Data, Reader, Sheets};
use jindu_domain::message::Message;

/// Why a file could not be read as a sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// The file name ends in none of .xlsx, .xlsm, .xls, .ods, .csv, .txt.
    #[error("sheet.kind: {0}")]
    Kind(String),
    /// The workbook is damaged, encrypted or not what its name says.
    #[error("sheet.workbook: {0}")]
    Workbook(String),
    /// The workbook has no sheet, or the sheet no rows.
    #[error("sheet.empty")]
    Empty,
    /// A CSV line could not be split into cells.
    #[error("sheet.csv: line {line}: {detail}")]
    Csv { line: u64, detail: String },
    /// A workbook (a zip: .xlsx, .ods) unpacks to more than [`SheetLimits::unpacked_mb`] in all,
    /// or one part of it to more than its share, or packs a large part absurdly tight (a “zip
    /// bomb”): refused before its cells are read. `mb` is the limit passed.
    #[error("sheet.unpacked: more than {mb} MB")]
    Unpacked { mb: u64 },
    /// The sheet uses more rows than [`SheetLimits::rows`]: `row` is the first row past it.
    #[error("sheet.rows: row {row} past {limit}")]
    Rows { limit: usize, row: usize },
    /// A row uses more columns than [`SheetLimits::columns`] (`row` 1-based).
    #[error("sheet.columns: row {row} past {limit}")]
    Columns { limit: usize, row: usize },
    /// The sheet's area (rows × columns from A1) or its text passes [`SheetLimits::cells`] or
    /// [`SheetLimits::text_mb`], reached at `row`; `what` is `cells` or `text`.
    #[error("sheet.size: {what} past {limit} at row {row}")]
    Size { what: &'static str, limit: usize, row: usize },
    /// One cell holds more than [`SheetLimits::cell_chars`] characters (Excel's own limit;
    /// `row` 1-based).
    #[error("sheet.cell: row {row} past {limit}")]
    Cell { limit: usize, row: usize },
    /// A CSV line (one record) takes more than [`SheetLimits::line_bytes`] bytes.
    #[error("sheet.line: row {row} past {limit}")]
    Line { limit: usize, row: usize },
}

impl SheetError {
    /// The sentence to show (`msg.sheet.*`); `Display` gives the code and the detail, for logs.
    pub fn message(&self) -> Message {
        match self {
            SheetError::Kind(ext) => Message::new("msg.sheet.kind").text("kind", ext),
            SheetError::Workbook(detail) => Message::new("msg.sheet.workbook").text("detail", detail),
            SheetError::Empty => Message::new("msg.sheet.empty"),
            SheetError::Csv { line, detail } => Message::new("msg.sheet.csv").text("line", line).text("detail", detail),
            SheetError::Unpacked { mb } => Message::new("msg.sheet.unpacked").text("max", mb),
            SheetError::Rows { limit, row } => Message::new("msg.sheet.rows").text("max", limit).text("row", row),
            SheetError::Columns { limit, row } => Message::new("msg.sheet.columns").text("max", limit).text("row", row),
            SheetError::Size { what: "text", limit, row } => {
                Message::new("msg.sheet.text").text("max", limit / 1024 / 1024).text("row", row)
            }
            SheetError::Size { limit, row, .. } => Message::new("msg.sheet.cells").text("max", limit).text("row", row),
            SheetError::Cell { limit, row } => Message::new("msg.sheet.cell").text("max", limit).text("row", row),
            SheetError::Line { limit, row } => Message::new("msg.sheet.line").text("max", limit).text("row", row),
        }
    }
}

/// The text encodings a CSV is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-8 without a mark.
    Utf8,
    /// GB18030, a superset of GBK and GB2312 (Excel's and WPS's plain "CSV" on Chinese Windows).
    Gb18030,
}

/// Decodes CSV bytes: a UTF-8 byte-order mark wins; valid UTF-8 is UTF-8; anything else is
/// GB18030 (which every byte sequence decodes in, so no file is refused for its encoding).
pub fn decode_text(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), TextEncoding::Utf8Bom);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), TextEncoding::Gb18030)
        }
    }
}

/// A sheet as read: its cell texts, row 1 first, and the workbook's date system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// Rows of cell texts from A1 (see [`read_sheet`] for how cells become text).
    pub rows: Vec<Vec<String>>,
    /// The workbook counts its date serials in the 1904 date system (Excel for Mac, some WPS
    /// exports: serial 0 is 1904-01-01, 1,462 days after the 1900 system's). Date-formatted
    /// cells are already written as dates; a plain number in a date column is a serial of this
    /// system (`jindu_domain::import::date_cell_1904`). Always false for a CSV.
    pub date1904: bool,
}

/// Reads the first sheet of a workbook, or a CSV, by the file name's extension: [`read_book`]'s
/// rows.
///
/// # Errors
/// [`SheetError`] as documented on its variants.
pub fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    read_book(file_name, bytes).map(|s| s.rows)
}

/// Reads the first sheet of a workbook, or a CSV, by the file name's extension. Cells are text:
/// numbers without a fractional part are written without one (`430405` not `430405.0`); a
/// number of more than 15 digits (which Excel cannot hold: its last digits are already zeros)
/// as Excel shows it, `3.1011019850319E+17`; date cells as the date (`2018-12-15`, with
/// ` 09:30:00` when they hold a time of day) in the workbook's own date system; errors (`#N/A`)
/// as empty. A vertically merged region (one town written once for three rows) gives its first
/// cell's text to the cells below it, in rows that hold anything else (.xlsx and .xls).
///
/// # Errors
/// [`SheetError`] as documented on its variants.
pub fn read_book(file_name: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    read_book_within(file_name, bytes, &SheetLimits::DEFAULT)
}

/// What a sheet may hold before it is refused, so that a small upload cannot make the server
/// hold gigabytes (issue #20 item 1: a 1.2 MB .xlsx whose sheet unpacks to 348 MB). Each limit
/// is a local default ([`SheetLimits::DEFAULT`]), chosen so that 100,000 rows of the template
/// (≈ 9 MB as .xlsx, 14–30 MB as .csv) pass with room to spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Megabytes (MiB) a zip workbook (.xlsx, .xlsm, .ods) may unpack to, all its parts
    /// together, counted while unpacking (the sizes the zip declares are checked first but not
    /// trusted).
    pub unpacked_mb: u64,
    /// Megabytes (MiB) the shared-string part of an .xlsx (`xl/sharedStrings.xml`, read whole
    /// by the reader) may unpack to.
    pub shared_strings_mb: u64,
    /// A part unpacking to more than 16 MiB may be at most this many times its packed size
    /// (sheets of real offices pack 5–30 times; a bomb of repeated rows 300 times and more).
    pub ratio: u64,
    /// Rows a sheet may use, counted from row 1 (title and header rows included).
    pub rows: usize,
    /// Columns a row may use, counted from column A.
    pub columns: usize,
    /// Cells of the area read (rows × the widest row, from A1): what is held in memory.
    pub cells: usize,
    /// Bytes (UTF-8) of all cell texts together.
    pub text_bytes: usize,
    /// Characters one cell may hold (Excel's own limit, 32,767).
    pub cell_chars: usize,
    /// Bytes one CSV line (one record) may take.
    pub line_bytes: usize,
}

impl SheetLimits {
    /// The local defaults: 256 MiB unpacked in all, 32 MiB of shared strings, a ratio of 100,
    /// 200,000 rows, 200 columns, 3,000,000 cells, 64 MiB of text, 32,767 characters a cell,
    /// 1 MiB a CSV line.
    pub const DEFAULT: SheetLimits = SheetLimits {
        unpacked_mb: 256,
        shared_strings_mb: 32,
        ratio: 100,
        rows: 200_000,
        columns: 200,
        cells: 3_000_000,
        text_bytes: 64 * 1024 * 1024,
        cell_chars: 32_767,
        line_bytes: 1024 * 1024,
    };
}

/// [`read_book`] within `limits`.
///
/// # Errors
/// [`SheetError`] as documented on its variants.
pub fn read_book_within(file_name: &str, bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let sheet = match ext.as_str() {
        "csv" | "txt" => Sheet { rows: read_csv(bytes, limits)?, date1904: false },
        // A zip (whatever its name says): its sizes are checked before it is opened; an .xlsx
        // is then read cell by cell, anything else (an .ods, a renamed file) by the grid reader.
        "xlsx" | "xlsm" | "xls" | "ods" if bytes.starts_with(b"PK") => {
            check_zip(bytes, limits)?;
            match read_xlsx(bytes, limits) {
                Err(SheetError::Workbook(_)) if ext != "xlsx" => read_workbook(bytes, limits)?,
                read => read?,
            }
        }
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes, limits)?,
        _ => return Err(SheetError::Kind(file_name.chars().take(60).collect())),
    };
    if sheet.rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(SheetError::Empty);
    }
    Ok(sheet)
}

/// Decoded CSV text: borrowed when the bytes are UTF-8 already (no second copy of the file).
fn decode_cow(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    }
}

fn read_csv(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Vec<String>>, SheetError> {
    let text = decode_cow(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut grid = Budget::new(limits);
    // The reader skips blank lines, which Excel and WPS show as rows: they are put back, so row
    // numbers in reports are the ones the user sees. A quoted cell spanning lines is one row.
    // A record's position is where the reader started on it, before the blank lines it skipped.
    let raw = text.as_bytes();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            detail: e.to_string().chars().take(120).collect(),
        })?;
        let mut start = record.position().map_or(0, |p| p.byte()) as usize;
        // After a CRLF terminator the position can sit between its CR and LF.
        if start > 0 && raw.get(start - 1) == Some(&b'\r') && raw.get(start) == Some(&b'\n') {
            start += 1;
        }
        let blanks = raw
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .filter(|b| **b == b'\n')
            .count();
        rows.extend(std::iter::repeat_n(Vec::new(), blanks));
        let row = rows.len() + 1;
        if record.as_slice().len() > limits.line_bytes {
            return Err(SheetError::Line { limit: limits.line_bytes, row });
        }
        grid.row(row, record.len())?;
        let mut cells = Vec::with_capacity(record.len());
        for cell in record.iter() {
            grid.text(row, cell)?;
            cells.push(cell.to_string());
        }
        rows.push(cells);
    }
    Ok(rows)
}

/// What a sheet being read has used of its [`SheetLimits`].
struct Budget<'a> {
    limits: &'a SheetLimits,
    /// Cells held (each row's length summed).
    cells: usize,
    text: usize,
}

impl<'a> Budget<'a> {
    fn new(limits: &'a SheetLimits) -> Self {
        Budget { limits, cells: 0, text: 0 }
    }

    /// Row `row` (1-based) of `width` cells: within the rows, columns and cells.
    fn row(&mut self, row: usize, width: usize) -> Result<(), SheetError> {
        let l = self.limits;
        if row > l.rows {
            return Err(SheetError::Rows { limit: l.rows, row });
        }
        if width > l.columns {
            return Err(SheetError::Columns { limit: l.columns, row });
        }
        self.grow(row, width)
    }

    /// `more` cells added at row `row`.
    fn grow(&mut self, row: usize, more: usize) -> Result<(), SheetError> {
        self.cells = self.cells.saturating_add(more);
        if self.cells > self.limits.cells {
            return Err(SheetError::Size { what: "cells", limit: self.limits.cells, row });
        }
        Ok(())
    }

    /// A cell's text at row `row`: within the characters of a cell and the text of the sheet.
    fn text(&mut self, row: usize, text: &str) -> Result<(), SheetError> {
        let l = self.limits;
        // A cell of more than 4 bytes × the limit surely has too many characters; else count.
        if text.len() > l.cell_chars && (text.len() > 4 * l.cell_chars || text.chars().count() > l.cell_chars) {
            return Err(SheetError::Cell { limit: l.cell_chars, row });
        }
        self.text = self.text.saturating_add(text.len());
        if self.text > l.text_bytes {
            return Err(SheetError::Size { what: "text", limit: l.text_bytes, row });
        }
        Ok(())
    }
}

/// Checks a zip workbook before it is opened: the sizes its directory declares (in all, the
/// shared strings, the packing ratio of each large part), then the sizes it really unpacks to,
/// counted while unpacking into nothing and stopped at the limit (a declared size can lie).
fn check_zip(bytes: &[u8], limits: &SheetLimits) -> Result<(), SheetError> {
    use std::io::Read;
    const MB: u64 = 1024 * 1024;
    let bad = |e: &dyn std::fmt::Display| SheetError::Workbook(e.to_string().chars().take(120).collect());
    let total_limit = limits.unpacked_mb.saturating_mul(MB);
    let refused = SheetError::Unpacked { mb: limits.unpacked_mb };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let part_limit = |name: &str| {
        if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
            limits.shared_strings_mb.saturating_mul(MB)
        } else {
            total_limit
        }
    };
    let too_tight = |unpacked: u64, packed: u64| unpacked > 16 * MB && unpacked > packed.saturating_mul(limits.ratio);
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|e| bad(&e))?;
        declared = declared.saturating_add(part.size());
        if declared > total_limit
            || part.size() > part_limit(&part.name().unwrap_or_default())
            || too_tight(part.size(), part.compressed_size())
        {
            return Err(refused);
        }
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| bad(&e))?;
        let (limit, packed) = (part_limit(&part.name().unwrap_or_default()), part.compressed_size());
        let mut unpacked: u64 = 0;
        loop {
            let n = part.read(&mut buf).map_err(|e| bad(&e))?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            total += n as u64;
            if total > total_limit || unpacked > limit || too_tight(unpacked, packed) {
                return Err(refused);
            }
        }
    }
    Ok(())
}

/// Reads the first sheet of an .xlsx cell by cell (never the whole sheet as the reader's own
/// grid first), within `limits`: a sheet past them is refused at the row where it passes.
fn read_xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    let bad = |e: &dyn std::fmt::Display| SheetError::Workbook(e.to_string().chars().take(120).collect());
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let date1904 = book.has_1904_epoch();
    let name = calamine::Reader::sheet_names(&book).first().cloned().ok_or(SheetError::Empty)?;
    let merged = book.merge_cells_by_sheet_id(0).map_err(|e| bad(&e))?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(|e| bad(&e))?;
    let mut budget = Budget::new(limits);
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The area the sheet's reader would give: from the first used row and column to the last.
    let (mut first_row, mut first_col, mut last_col) = (usize::MAX, usize::MAX, 0usize);
    while let Some(cell) = cells.next_cell().map_err(|e| bad(&e))? {
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        let row = r + 1;
        if row > limits.rows {
            return Err(SheetError::Rows { limit: limits.rows, row });
        }
        if c >= limits.columns {
            return Err(SheetError::Columns { limit: limits.columns, row });
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        budget.text(row, &text)?;
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let line = &mut rows[r];
        if line.len() <= c {
            budget.grow(row, c + 1 - line.len())?;
            line.resize(c + 1, String::new());
        }
        line[c] = text;
        (first_row, first_col, last_col) = (first_row.min(r), first_col.min(c), last_col.max(c));
    }
    drop(cells);
    if first_row != usize::MAX {
        // Every row of the area as wide as the widest, as the reader's grid has them.
        let width = last_col + 1;
        let area = (rows.len() - first_row).saturating_mul(width);
        if area > limits.cells {
            return Err(SheetError::Size { what: "cells", limit: limits.cells, row: rows.len() });
        }
        for line in rows.iter_mut().skip(first_row) {
            line.resize(width, String::new());
        }
    }
    fill_merged(&mut rows, merged.iter().map(|d| (d.start, d.end)));
    Ok(Sheet { rows, date1904 })
}

/// Reads an .xls or .ods through the reader's whole grid (no cell-by-cell reader there), then
/// checks it against `limits` before its cells become text.
fn read_workbook(bytes: &[u8], limits: &SheetLimits) -> Result<Sheet, SheetError> {
    let bad = |e: &dyn std::fmt::Display| SheetError::Workbook(e.to_string().chars().take(120).collect());
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    // The date system is the workbook's (xlsx: <workbookPr date1904="1"/>; xls: the DATE1904
    // record); merged regions of the first sheet.
    let (date1904, merged) = match &mut book {
        Sheets::Xlsx(x) => (x.has_1904_epoch(), x.merge_cells_by_sheet_id(0).map_err(|e| bad(&e))?),
        Sheets::Xls(x) => (x.has_1904_epoch(), x.merge_cells_by_sheet_id(0).map_err(|e| bad(&e))?),
        _ => (false, Vec::new()),
    };
    let range = book
        .worksheet_range_at(0)
        .ok_or(SheetError::Empty)?
        .map_err(|e| SheetError::Workbook(e.to_string().chars().take(120).collect()))?;
    // Rows and columns from A1, so row numbers in reports are the ones Excel shows.
    let (row0, col0) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let (height, width) = range.get_size();
    if row0 + height > limits.rows {
        return Err(SheetError::Rows { limit: limits.rows, row: limits.rows + 1 });
    }
    if col0 + width > limits.columns {
        let first = range.rows().position(|r| r.len() + col0 > limits.columns).unwrap_or(0);
        return Err(SheetError::Columns { limit: limits.columns, row: row0 + first + 1 });
    }
    let mut budget = Budget::new(limits);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); row0];
    for r in range.rows() {
        let row = rows.len() + 1;
        budget.grow(row, col0 + r.len())?;
        let mut out = vec![String::new(); col0];
        for c in r {
            let text = cell_text(c);
            budget.text(row, &text)?;
            out.push(text);
        }
        rows.push(out);
    }
    fill_merged(&mut rows, merged.iter().map(|d| (d.start, d.end)));
    Ok(Sheet { rows, date1904 })
}

/// Gives each vertically merged region's first cell text to the cells below it in the same
/// column (Excel keeps the text in the first cell only), in rows that hold something else: a
/// town written once for three persons is every one's town. Horizontal merges (titles, grouped
/// headers) are left as they are. Regions are ((first row, first column), (last row, last
/// column)), 0-based from A1.
fn fill_merged(rows: &mut [Vec<String>], regions: impl Iterator<Item = ((u32, u32), (u32, u32))>) {
    for ((r0, c0), (r1, _)) in regions {
        let (r0, c0, r1) = (r0 as usize, c0 as usize, r1 as usize);
        let Some(text) = rows.get(r0).and_then(|r| r.get(c0)).filter(|t| !t.trim().is_empty()).cloned() else {
            continue;
        };
        for row in rows.iter_mut().take(r1 + 1).skip(r0 + 1) {
            if !row.iter().any(|c| !c.trim().is_empty()) {
                continue;
            }
            if row.len() <= c0 {
                row.resize(c0 + 1, String::new());
            }
            if row[c0].trim().is_empty() {
                row[c0] = text.clone();
            }
        }
    }
}

/// Excel holds 15 significant digits; a number cell at or above 10¹⁵ has lost digits.
const EXCEL_DIGITS_LIMIT: f64 = 1e15;

/// A workbook cell as text.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) if (i.unsigned_abs() as f64) < EXCEL_DIGITS_LIMIT => i.to_string(),
        Data::Int(i) => number_text(*i as f64),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) if d.is_datetime() && d.as_f64() >= 1.0 => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
            }
        }
        Data::DateTime(d) => number_text(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}

/// A number as text: whole numbers without a fraction (`430405`), others as Rust writes them
/// (`1.5`), and numbers of 10¹⁵ and more as Excel's General format shows them, with at most 15
/// significant digits (`3.1011019850319E+17`): their last digits are gone, and writing them out
/// in full (`310110198503190000`) would make a valid-looking ID number of them.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    if f.abs() >= EXCEL_DIGITS_LIMIT {
        let sci = format!("{f:.14E}");
        let (mantissa, exp) = sci.split_once('E').unwrap_or((&sci, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!("{mantissa}E{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    if f.fract() == 0.0 { format!("{}", f as i64) } else { f.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_every_encoding_offices_save() {
        let text = "姓名,身份证号,乡镇(街道)\n张三,430405199001011234,广东路街道\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        for (bytes, enc) in [
            (bom, TextEncoding::Utf8Bom),
            (text.as_bytes().to_vec(), TextEncoding::Utf8),
            (gbk.to_vec(), TextEncoding::Gb18030),
        ] {
            assert_eq!(decode_text(&bytes).1, enc);
            let rows = read_sheet("登记表.CSV", &bytes).unwrap();
            assert_eq!(rows[0], vec!["姓名", "身份证号", "乡镇(街道)"], "{enc:?}");
            assert_eq!(rows[1][0], "张三", "{enc:?}");
        }
    }

    #[test]
    fn bad_files_are_named() {
        assert_eq!(read_sheet("a.pdf", b"%PDF").unwrap_err(), SheetError::Kind("a.pdf".into()));
        assert!(matches!(read_sheet("a.xlsx", b"not a zip").unwrap_err(), SheetError::Workbook(_)));
        assert_eq!(read_sheet("a.csv", b"\n,,\n").unwrap_err(), SheetError::Empty);
        let (zh, en) = jindu_messages::render_both(&read_sheet("a.xlsx", b"PK").unwrap_err().message());
        assert!(zh.contains("无法读取表格文件") && en.contains("could not be read"), "{zh} / {en}");
    }

    #[test]
    fn numbers_and_dates_of_a_workbook_read_as_text() {
        assert_eq!(cell_text(&Data::Float(430405.0)), "430405");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn numbers_excel_cannot_hold_are_written_as_excel_shows_them() {
        // An 18-digit ID number typed into a number cell: Excel kept 310110198503190000.
        assert_eq!(cell_text(&Data::Float(310_110_198_503_190_000.0)), "3.1011019850319E+17");
        assert_eq!(cell_text(&Data::Float(430_405_198_503_010_000.0)), "4.3040519850301E+17");
        assert_eq!(cell_text(&Data::Float(1e15)), "1E+15");
        assert_eq!(cell_text(&Data::Int(1_234_567_890_123_456)), "1.23456789012346E+15");
        // 15 digits (an old ID number) and an 11-digit phone are exact.
        assert_eq!(cell_text(&Data::Float(430_405_850_312_113.0)), "430405850312113");
        assert_eq!(cell_text(&Data::Float(13_907_341_201.0)), "13907341201");
        assert_eq!(cell_text(&Data::Float(-2e16)), "-2E+16");
    }

    #[test]
    fn dates_are_read_in_the_workbooks_date_system() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::DateTime};
        // 2018-12-15 is serial 43449 in the 1900 system and 41987 in the 1904 system.
        assert_eq!(cell_text(&Data::DateTime(ExcelDateTime::new(43449.0, DateTime, false))), "2018-12-15");
        assert_eq!(cell_text(&Data::DateTime(ExcelDateTime::new(41987.0, DateTime, true))), "2018-12-15");
        assert_eq!(cell_text(&Data::DateTime(ExcelDateTime::new(41987.0, DateTime, false))), "2014-12-14");
        assert_eq!(cell_text(&Data::DateTime(ExcelDateTime::new(43449.375, DateTime, false))), "2018-12-15 09:00:00");
    }

    #[test]
    fn a_vertical_merge_fills_the_rows_below_it() {
        let mut rows: Vec<Vec<String>> = [
            vec!["标题", "", ""],
            vec!["姓名", "身份证号", "乡镇"],
            vec!["甲", "1", "广东路街道"],
            vec!["乙", "2", ""],
            vec!["丙", "3"],
            vec!["", "", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        // The title merged across (left alone); the town merged down rows 3–6 (the blank row 6
        // stays blank).
        fill_merged(&mut rows, [((0, 0), (0, 2)), ((2, 2), (5, 2))].into_iter());
        assert_eq!(rows[0], vec!["标题", "", ""]);
        assert_eq!(rows[3][2], "广东路街道");
        assert_eq!(rows[4], vec!["丙", "3", "广东路街道"]);
        assert_eq!(rows[5], vec!["", "", ""]);
    }

    #[test]
    fn csv_rows_are_numbered_as_a_spreadsheet_shows_them() {
        // A blank line is a row; a quoted cell over two lines is one row.
        let text = "标题\n\n姓名,备注\n张三,\"第一行\n第二行\"\r\n\r\n李四,x\n";
        let rows = read_sheet("a.csv", text.as_bytes()).expect("csv");
        let firsts: Vec<&str> = rows.iter().map(|r| r.first().map_or("", String::as_str)).collect();
        assert_eq!(firsts, vec!["标题", "", "姓名", "张三", "", "李四"]);
        assert_eq!(rows[3][1], "第一行\n第二行");
    }

    /// An .xlsx of one sheet whose XML is `rows` identical rows of `cols` cells.
    fn repeated_xlsx(rows: usize, cols: usize) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let part = |w: &mut zip::ZipWriter<_>, name: &str, text: &str| {
            w.start_file(name, o).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        };
        part(
            &mut w,
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        part(
            &mut w,
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        part(
            &mut w,
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        part(
            &mut w,
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        );
        w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
        let row: String = (0..cols).map(|c| format!(r#"<c t="inlineStr"><is><t>v{c}</t></is></c>"#)).collect();
        let row = format!("<row>{row}</row>");
        for _ in 0..rows {
            w.write_all(row.as_bytes()).unwrap();
        }
        w.write_all(b"</sheetData></worksheet>").unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn an_xlsx_is_read_cell_by_cell_as_the_grid_reader_did() {
        let bytes = repeated_xlsx(3, 2);
        let sheet = read_book("a.xlsx", &bytes).expect("xlsx");
        assert_eq!(sheet.rows, vec![vec!["v0", "v1"]; 3]);
    }

    #[test]
    fn a_workbook_unpacking_past_the_limit_is_refused_before_it_is_read() {
        // ≈ 2.2 MB of sheet XML packed into a few kilobytes: past 1 MB, and 100 times packed.
        let bytes = repeated_xlsx(20_000, 3);
        assert!(bytes.len() < 100_000, "{}", bytes.len());
        let small = SheetLimits { unpacked_mb: 1, ..SheetLimits::DEFAULT };
        assert_eq!(read_book_within("bomb.xlsx", &bytes, &small).unwrap_err(), SheetError::Unpacked { mb: 1 });
        // Renamed .xls, it is still a zip and still refused.
        assert_eq!(read_book_within("bomb.xls", &bytes, &small).unwrap_err(), SheetError::Unpacked { mb: 1 });
        let (zh, en) = jindu_messages::render_both(&SheetError::Unpacked { mb: 256 }.message());
        assert!(zh.contains("上限 256 MB，本地默认值") && en.contains("limit 256 MB, local default"), "{zh} / {en}");
        // Within 256 MB, the same file reads.
        assert_eq!(read_book("ok.xlsx", &bytes).expect("read").rows.len(), 20_000);
    }

    #[test]
    fn rows_columns_and_cells_past_the_limits_are_named() {
        let limits = SheetLimits { rows: 10, columns: 4, cells: 30, ..SheetLimits::DEFAULT };
        assert_eq!(
            read_book_within("a.xlsx", &repeated_xlsx(11, 2), &limits).unwrap_err(),
            SheetError::Rows { limit: 10, row: 11 }
        );
        assert_eq!(
            read_book_within("a.xlsx", &repeated_xlsx(2, 5), &limits).unwrap_err(),
            SheetError::Columns { limit: 4, row: 1 }
        );
        assert_eq!(
            read_book_within("a.xlsx", &repeated_xlsx(10, 4), &limits).unwrap_err(),
            SheetError::Size { what: "cells", limit: 30, row: 8 }
        );
        let csv = "a,b\n".repeat(11);
        assert_eq!(
            read_book_within("a.csv", csv.as_bytes(), &limits).unwrap_err(),
            SheetError::Rows { limit: 10, row: 11 }
        );
        assert_eq!(
            read_book_within("a.csv", b"x\n\na,b,c,d,e\n", &limits).unwrap_err(),
            SheetError::Columns { limit: 4, row: 3 }
        );
        let long = SheetLimits { line_bytes: 8, cell_chars: 5, ..SheetLimits::DEFAULT };
        assert_eq!(
            read_book_within("a.csv", b"ab\n123456789\n", &long).unwrap_err(),
            SheetError::Line { limit: 8, row: 2 }
        );
        assert_eq!(
            read_book_within("a.csv", "x\n一二三四五六\n".as_bytes(), &long).unwrap_err(),
            SheetError::Line { limit: 8, row: 2 }
        );
        assert_eq!(
            read_book_within(
                "a.csv",
                "一二三四五六\n".as_bytes(),
                &SheetLimits { cell_chars: 5, ..SheetLimits::DEFAULT }
            )
            .unwrap_err(),
            SheetError::Cell { limit: 5, row: 1 }
        );
        let (zh, en) = jindu_messages::render_both(&SheetError::Rows { limit: 200_000, row: 200_001 }.message());
        assert_eq!(zh, "表格超过 200000 行（第 200001 行起超出，本地默认上限），未读取。请分成几个文件导入。");
        assert!(en.starts_with("The sheet has more than 200000 rows (row 200001"), "{en}");
        let (zh, _) = jindu_messages::render_both(&SheetError::Columns { limit: 200, row: 3 }.message());
        assert_eq!(zh, "第 3 行超过 200 列（本地默认上限），未读取。请删除多余的列后重试。");
    }
}
