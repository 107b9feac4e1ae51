//! What every workbook Jindu writes shares: the formats, a sheet's title row and frozen column
//! headers ([`start_sheet`]), values or “—” ([`write_value`]), ranks ([`write_rank`]) and the
//! 演示数据 line below the data ([`demo_line`]). The 驾驶舱 workbook ([`crate::export`]), the 通报
//! ([`crate::bulletin`]), the evaluation ([`crate::evaluation_bulletin`]) and the web's list
//! exports and import templates all start and fill their sheets with these.

use jindu_domain::indicator::Unit;
use rust_xlsxwriter::{Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// MIME type of a workbook's bytes (for a `Content-Type` header).
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Row of the column headers (0-based; the title is row 0). Rows above the data are frozen.
pub const HEADER_ROW: u32 = 1;

/// Text in `lang`.
pub(crate) fn t(lang: &str, zh: &'static str, en: &'static str) -> &'static str {
    if lang == "en" { en } else { zh }
}

/// Excel number format of a unit's values: rates and ratios to one decimal, grams to three,
/// counts whole.
fn number_format(u: Unit) -> &'static str {
    match u {
        Unit::Percent | Unit::PerWorker => "0.0",
        Unit::Grams => "0.000",
        _ => "0",
    }
}

/// Decimals shown for a unit's values in text, as [`number_format`] shows them in a cell.
pub fn decimals(u: Unit) -> usize {
    match u {
        Unit::Percent | Unit::PerWorker => 1,
        Unit::Grams => 3,
        _ => 0,
    }
}

/// The same with an explicit sign (changes).
fn signed_format(u: Unit) -> &'static str {
    match u {
        Unit::Percent | Unit::PerWorker => "+0.0;-0.0;0.0",
        Unit::Grams => "+0.000;-0.000;0.000",
        _ => "+0;-0;0",
    }
}

/// The formats of a workbook.
pub struct Formats {
    /// The title row: bold, 14 pt.
    pub title: Format,
    /// The column headers: bold, wrapped, centred, shaded, with thin borders.
    pub header: Format,
    /// Plain text.
    pub text: Format,
    /// Text wrapped in its column.
    pub wrap: Format,
    /// Centred (ranks, verdicts, “—”).
    pub center: Format,
    /// Right-aligned (values as shown on the page).
    pub right: Format,
    /// A missed target or a refusal: centred, bold, dark red.
    pub missed: Format,
    /// The 演示数据 line: bold, dark red.
    pub demo: Format,
}

impl Default for Formats {
    fn default() -> Self {
        Self::new()
    }
}

impl Formats {
    /// The formats every sheet uses.
    pub fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xDD_E6_F0))
            .set_border(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header,
            text: Format::new(),
            wrap: Format::new().set_text_wrap(),
            center: Format::new().set_align(FormatAlign::Center),
            right: Format::new().set_align(FormatAlign::Right),
            missed: Format::new().set_align(FormatAlign::Center).set_bold().set_font_color(Color::RGB(0xC0_00_00)),
            demo: Format::new().set_bold().set_font_color(Color::RGB(0xC0_00_00)),
        }
    }

    /// A unit's number format (rates to one decimal, grams to three, counts whole).
    pub fn number(u: Unit) -> Format {
        Format::new().set_num_format(number_format(u))
    }

    /// A unit's number format with an explicit sign (changes).
    pub fn signed(u: Unit) -> Format {
        Format::new().set_num_format(signed_format(u))
    }
}

/// Excel header/footer text escapes `&`.
fn print_header(title: &str) -> String {
    format!("&C{}", title.replace('&', "&&"))
}

/// Starts a sheet: its name, the title in row 1 and the column headers in row 2 (both frozen and
/// repeated on printed pages), the column widths.
pub fn start_sheet(
    ws: &mut Worksheet,
    name: &str,
    title: &str,
    columns: &[(String, f64)],
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    ws.write_string_with_format(0, 0, title, &f.title)?;
    ws.set_row_height(0, 22)?;
    for (c, (header, width)) in columns.iter().enumerate() {
        let c = col(c);
        ws.write_string_with_format(HEADER_ROW, c, header, &f.header)?;
        ws.set_column_width(c, *width)?;
    }
    // Room for headers wrapped on two lines (Excel does not grow a row for wrapped text it is
    // given, LibreOffice neither).
    let lines = columns.iter().map(|(h, w)| lines_in(h, *w)).max().unwrap_or(1);
    ws.set_row_height(HEADER_ROW, LINE_HEIGHT * f64::from(lines.max(1)) + 3.0)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_repeat_rows(0, HEADER_ROW)?;
    ws.set_header(print_header(title));
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Height of one line of text at the default font, in points.
pub(crate) const LINE_HEIGHT: f64 = 15.0;

/// Lines `text` takes when wrapped in a column `width` characters wide (a Chinese character is
/// about two).
pub(crate) fn lines_in(text: &str, width: f64) -> u32 {
    let w: f64 = text.chars().map(|c| if c.is_ascii() { 1.0 } else { 2.0 }).sum();
    let per_line = (width - 1.0).max(1.0);
    // At most a handful of lines: the value is a row height, not a count that matters.
    (w / per_line).ceil().clamp(1.0, 10.0) as u32
}

/// A column index (the sheets have a handful of columns).
pub fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Writes a value, or “—” when there is none.
pub fn write_value(
    ws: &mut Worksheet,
    row: u32,
    c: u16,
    v: Option<f64>,
    fmt: &Format,
    f: &Formats,
) -> Result<(), XlsxError> {
    match v {
        Some(v) if v.is_finite() => ws.write_number_with_format(row, c, v, fmt).map(|_| ()),
        _ => ws.write_string_with_format(row, c, "—", &f.center).map(|_| ()),
    }
}

/// The demo line below the data: every sheet of a demo database says so.
pub fn demo_line(ws: &mut Worksheet, row: u32, lang: &str, f: &Formats) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, t(lang, "演示数据", "Demo data"), &f.demo)?;
    ws.write_string_with_format(
        row,
        1,
        t(
            lang,
            "所有人员均为虚构，数字不代表任何真实辖区。",
            "All persons are invented; the figures describe no real place.",
        ),
        &f.demo,
    )?;
    Ok(())
}

/// Writes a rank (a number, centred), or “—” for a unit without one.
pub fn write_rank(ws: &mut Worksheet, row: u32, c: u16, rank: Option<u32>, f: &Formats) -> Result<(), XlsxError> {
    match rank {
        Some(r) => ws.write_number_with_format(row, c, f64::from(r), &f.center).map(|_| ()),
        None => ws.write_string_with_format(row, c, "—", &f.center).map(|_| ()),
    }
}

/// A new workbook of an official document: its title, the issuing office as its author, company
/// `Jindu` and `comment` (the period, the date of issue) in the file's properties.
pub(crate) fn official_workbook(title: &str, office: &str, comment: &str) -> Workbook {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new().set_title(title).set_author(office).set_company("Jindu").set_comment(comment),
    );
    wb
}
