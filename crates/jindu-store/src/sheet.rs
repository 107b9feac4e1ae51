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
}

impl SheetError {
    /// The sentence to show (`msg.sheet.*`); `Display` gives the code and the detail, for logs.
    pub fn message(&self) -> Message {
        match self {
            SheetError::Kind(ext) => Message::new("msg.sheet.kind").text("kind", ext),
            SheetError::Workbook(detail) => Message::new("msg.sheet.workbook").text("detail", detail),
            SheetError::Empty => Message::new("msg.sheet.empty"),
            SheetError::Csv { line, detail } => Message::new("msg.sheet.csv").text("line", line).text("detail", detail),
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
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let sheet = match ext.as_str() {
        "csv" | "txt" => Sheet { rows: read_csv(bytes)?, date1904: false },
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes)?,
        _ => return Err(SheetError::Kind(file_name.chars().take(60).collect())),
    };
    if sheet.rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(SheetError::Empty);
    }
    Ok(sheet)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let (text, _) = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
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
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn read_workbook(bytes: &[u8]) -> Result<Sheet, SheetError> {
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
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); row0];
    for r in range.rows() {
        let mut out = vec![String::new(); col0];
        out.extend(r.iter().map(cell_text));
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
}
