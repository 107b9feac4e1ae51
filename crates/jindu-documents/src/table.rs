//! The lists people work from (在册人员, 逾期事项, 预警, 失联, 审计日志, …) as a [`Table`] of
//! values, written as an `.xlsx` workbook ([`to_xlsx`]) or as CSV for Excel ([`to_csv`]). The
//! web's export handlers build the table from a service's rows and send the bytes.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::sheet::{Formats, HEADER_ROW, demo_line, start_sheet};

/// One cell of an exported list.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, written as text (a formula-looking text stays text).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A number with decimals (rates, grams).
    Real(f64),
    /// A day, written as an Excel date (`yyyy-mm-dd`).
    Date(NaiveDate),
    /// An empty cell.
    Empty,
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Real(f) => format!("{f}"),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Empty => String::new(),
        }
    }

    /// Display width in characters (a Chinese character counts two).
    fn width(&self) -> usize {
        self.text().chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<Option<NaiveDate>> for Value {
    fn from(d: Option<NaiveDate>) -> Self {
        d.map_or(Value::Empty, Value::Date)
    }
}

/// A list as a table: sheet name, title (jurisdiction, list, date), column headers, rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The sheet's name.
    pub sheet: String,
    /// The title row (jurisdiction, list, date).
    pub title: String,
    /// The column headers.
    pub headers: Vec<String>,
    /// The rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// Days from Excel's day 0 (1899-12-30) to `d`: the serial number Excel stores for a date.
pub fn excel_serial(d: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (d - epoch).num_days() as f64
}

/// The table as an .xlsx workbook: title in row 1, headers in row 2 (both frozen), the 演示数据
/// line under the rows when `demo`, column widths from the longest value (4 to 50 characters).
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn to_xlsx(t: &Table, demo: bool) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let columns: Vec<(String, f64)> = t
        .headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let widest = t.rows.iter().filter_map(|r| r.get(c)).map(Value::width).max().unwrap_or(0);
            let header = h.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>();
            (h.clone(), (widest.max(header).clamp(4, 50) + 2) as f64)
        })
        .collect();
    start_sheet(ws, &t.sheet, &t.title, &columns, &f)?;
    for (r, row) in t.rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + u32::try_from(r).unwrap_or(u32::MAX - HEADER_ROW - 2);
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match v {
                Value::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Value::Int(i) => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Value::Real(x) => {
                    ws.write_number(r, c, *x)?;
                }
                Value::Date(d) => {
                    ws.write_number_with_format(r, c, excel_serial(*d), &date)?;
                }
                Value::Empty => {}
            }
        }
    }
    if t.headers.len() > 1 {
        let last = HEADER_ROW + u32::try_from(t.rows.len()).unwrap_or(0);
        ws.autofilter(HEADER_ROW, 0, last, u16::try_from(t.headers.len() - 1).unwrap_or(0))?;
    }
    if demo {
        demo_line(ws, HEADER_ROW + 2 + u32::try_from(t.rows.len()).unwrap_or(0), "zh", &f)?;
    }
    wb.save_to_buffer()
}

/// The table as CSV for Excel: UTF-8 with a byte-order mark, CRLF line ends, fields quoted when
/// they hold a comma, quote or line break (RFC 4180). A text cell starting with `=`, `+`, `-`, `@`
/// or a tab gets a leading `'` so that Excel shows it instead of evaluating it (OWASP: CSV
/// injection). The title row comes first, then the headers; 演示数据 last when `demo`.
pub fn to_csv(t: &Table, demo: bool) -> Vec<u8> {
    fn field(out: &mut String, s: &str) {
        if s.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }
    let mut out = String::from("\u{feff}");
    field(&mut out, &t.title);
    out.push_str("\r\n");
    for (i, h) in t.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, h);
    }
    out.push_str("\r\n");
    for row in &t.rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut s = v.text();
            if matches!(v, Value::Text(_)) && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                s.insert(0, '\'');
            }
            field(&mut out, &s);
        }
        out.push_str("\r\n");
    }
    if demo {
        out.push_str("演示数据（虚构人员） / Demo data (invented persons)\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn sample() -> Table {
        Table {
            sheet: "在册人员".into(),
            title: "珠晖区在册人员名单（2026-11-29）".into(),
            headers: vec!["姓名".into(), "身份证号".into(), "年龄".into(), "日期".into(), "备注".into()],
            rows: vec![
                vec![
                    "张三".into(),
                    "430405********001X".into(),
                    Value::Int(41),
                    Value::Date(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()),
                    "=1+1".into(),
                ],
                vec!["李, \"四\"".into(), "430405********0023".into(), Value::Int(33), Value::Empty, Value::Empty],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_crlf_quotes_and_defuses_formulas() {
        let bytes = to_csv(&sample(), true);
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "珠晖区在册人员名单（2026-11-29）");
        assert_eq!(lines[1], "姓名,身份证号,年龄,日期,备注");
        assert_eq!(lines[2], "张三,430405********001X,41,2026-09-01,'=1+1");
        assert_eq!(lines[3], "\"李, \"\"四\"\"\",430405********0023,33,,");
        assert_eq!(lines[4], "演示数据（虚构人员） / Demo data (invented persons)");
        assert!(!String::from_utf8(to_csv(&sample(), false)).unwrap().contains("演示数据"));
    }

    #[test]
    fn excel_serials_are_excels() {
        // Excel shows 45901 as 2025-09-01 and 46265 as 2026-08-31.
        assert_eq!(excel_serial(NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()), 45901.0);
        assert_eq!(excel_serial(NaiveDate::from_ymd_opt(2026, 8, 31).unwrap()), 46265.0);
    }

    #[test]
    fn xlsx_reads_back_with_a_frozen_header_and_real_dates() {
        use calamine::{Data, Reader, Xlsx};
        let bytes = to_xlsx(&sample(), true).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let r = wb.worksheet_range("在册人员").unwrap();
        assert_eq!(r.get_value((0, 0)), Some(&Data::String("珠晖区在册人员名单（2026-11-29）".into())));
        assert_eq!(r.get_value((1, 1)), Some(&Data::String("身份证号".into())));
        assert_eq!(r.get_value((2, 0)), Some(&Data::String("张三".into())));
        assert_eq!(r.get_value((2, 2)), Some(&Data::Float(41.0)));
        match r.get_value((2, 3)) {
            Some(Data::DateTime(d)) => assert_eq!(d.as_f64(), 45901.0 + 365.0),
            other => panic!("date cell: {other:?}"),
        }
        // A formula-looking text stays text in a workbook.
        assert_eq!(r.get_value((2, 4)), Some(&Data::String("=1+1".into())));
        let xml = crate::testing::zip_part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains(r#"<pane ySplit="2" topLeftCell="A3""#), "frozen below the header: {xml}");
        assert!(xml.contains("<autoFilter"));
    }
}
