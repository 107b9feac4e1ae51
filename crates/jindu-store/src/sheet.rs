//! 表格文件 reading the sheets offices bring: .xlsx (and .xls/.ods, through calamine) and .csv
//! in UTF-8 with or without a byte-order mark or in GB18030/GBK (what Chinese Excel and WPS save).
//! A sheet is returned as rows of cell texts; what the cells mean is decided by
//! `jindu_domain::import`.

use calamine::{Data, Reader};

/// Why a file could not be read as a sheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// The file name ends in none of .xlsx, .xlsm, .xls, .ods, .csv, .txt.
    #[error(
        "不支持的文件类型“{0}”：请上传 .xlsx 或 .csv 文件。 / Unsupported file type '{0}': upload an .xlsx or .csv file."
    )]
    Kind(String),
    /// The workbook is damaged, encrypted or not what its name says.
    #[error(
        "无法读取表格文件：{0}。请用 Excel 或 WPS 另存为 .xlsx 后重试。 / The workbook could not be read: {0}. Save it again as .xlsx in Excel or WPS and retry."
    )]
    Workbook(String),
    /// The workbook has no sheet, or the sheet no rows.
    #[error("文件中没有数据。 / The file holds no data.")]
    Empty,
    /// A CSV line could not be split into cells.
    #[error("CSV 第 {line} 行无法解析：{detail}。 / CSV line {line} could not be read: {detail}.")]
    Csv { line: u64, detail: String },
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

/// Reads the first sheet of a workbook, or a CSV, by the file name's extension. Cells are text:
/// numbers without a fractional part are written without one (`430405` not `430405.0`), dates
/// and times as Excel serial numbers (which the date parser takes), errors (`#N/A`) as empty.
///
/// # Errors
/// [`SheetError`] as documented on its variants.
pub fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let rows = match ext.as_str() {
        "csv" | "txt" => read_csv(bytes)?,
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(bytes)?,
        _ => return Err(SheetError::Kind(file_name.chars().take(60).collect())),
    };
    if rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(SheetError::Empty);
    }
    Ok(rows)
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

fn read_workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| SheetError::Workbook(e.to_string().chars().take(120).collect()))?;
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
    Ok(rows)
}

/// A workbook cell as text.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) => {
            let v = d.as_f64();
            if v.fract() == 0.0 { format!("{}", v as i64) } else { v.to_string() }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
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
        let e = read_sheet("a.xlsx", b"PK").unwrap_err().to_string();
        assert!(e.contains("无法读取表格文件") && e.contains("could not be read"), "{e}");
    }

    #[test]
    fn numbers_and_dates_of_a_workbook_read_as_text() {
        assert_eq!(cell_text(&Data::Float(430405.0)), "430405");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
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
