//! 通报 the 禁毒工作情况通报 of one jurisdiction and period, drawn from the same [`Dashboard`] as the
//! 驾驶舱 page and its workbook ([`crate::export`]): a Word document laid out as a Chinese official
//! document ([`bulletin_docx`]) and an Excel workbook with the same tables ([`bulletin_xlsx`]).
//!
//! The document has four parts: 一、总体情况 (every indicator with its value, the same period a
//! year before, the change and whether it meets its target), 二、排名情况 (a table of the
//! jurisdictions below in rank order, ties sharing a rank), 三、工作滞后单位 (the units without a
//! ranking figure or in the bottom third of the ranking, and for each indicator with a target the
//! units that miss it) and 四、下步要求, then the issuing office and the date.
//!
//! Layout follows GB/T 9704-2012《党政机关公文格式》: A4 paper (§5.2.1); margins 37 mm top, 35 mm
//! bottom, 28 mm left (订口), 26 mm right, giving the 156 × 225 mm type area (§5.2.2); the title in
//! 2号小标宋体 centred (§7.2.3); body text in 3号仿宋体 with a first-line indent of two characters
//! (§5.1, §7.3.3); headings of the first level (一、) in 黑体, of the second (（一）) in 楷体
//! (§7.3.3); lines at a fixed 28 pt, so that the type area holds 22 lines (§5.2.3); the signature
//! block of a document without a seal: the office two characters from the right margin, the date
//! below it starting two characters to the right of the office's first character (§7.3.5.2),
//! the date in Arabic numerals without leading zeros (§7.3.5.1); page numbers as “— 1 —” in 4号
//! 宋体, odd pages on the right and even pages on the left, one character in from the margin (§7.5).
//!
//! Fonts. Each run names its GB/T 9704 font in `w:eastAsia` (the slot Word and LibreOffice use for
//! Chinese characters). A run's fonts in OOXML have no fallback list: the only place for one is the
//! font table's `w:altName`, which docx-rs does not write. Where the standard's font is not a
//! system font, so that the document needs a fallback, the Western slots (`w:ascii`, `w:hAnsi`,
//! `w:cs`) name a font every Chinese Windows has: the title's Chinese characters are in
//! 方正小标宋简体 (the usual 小标宋体) and its digits and Latin letters in 黑体, the heavy face a
//! reader without 方正小标宋简体 comes nearest to. The other faces (仿宋_GB2312, 楷体_GB2312, 黑体,
//! 宋体) name themselves in every slot; Word maps the two _GB2312 names to 仿宋 and 楷体 by itself.

use chrono::{Datelike, NaiveDate};
use docx_rs::{
    AlignmentType, DocxError, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Run, RunFonts,
    SpecialIndentType, Style, StyleType, Table, TableAlignmentType, TableCell, TableCellMargins, TableLayoutType,
    TableRow, VAlignType, WidthType,
};
use jindu_domain::indicator::{Direction, Figure, Indicator, Unit, misses_target};
use jindu_store::service::dashboard::{CHILD_COLUMNS, ChildRow, Dashboard, FigureRow};
use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::export::{self, ExportError};
use crate::sheet::{self, Formats, HEADER_ROW};

/// MIME type of [`bulletin_docx`]'s bytes (for a `Content-Type` header).
pub const DOCX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Width of an A4 page in twips (210 mm; 1 twip = 1/20 pt = 1/1440 inch), GB/T 9704-2012 §5.2.1.
pub const A4_WIDTH_TWIPS: u32 = 11906;
/// Height of an A4 page in twips (297 mm).
pub const A4_HEIGHT_TWIPS: u32 = 16838;

/// Millimetres to twips, rounded to the nearest (1 mm = 1440 / 25.4 twips).
const fn mm(v: i32) -> i32 {
    (v * 14400 + 127) / 254
}

/// Top margin (天头): 37 mm = 2098 twips, GB/T 9704-2012 §5.2.2.
pub const MARGIN_TOP_TWIPS: i32 = mm(37);
/// Bottom margin: 35 mm = 1984 twips (the 225 mm type area below a 37 mm top margin).
pub const MARGIN_BOTTOM_TWIPS: i32 = mm(35);
/// Left margin (订口): 28 mm = 1587 twips.
pub const MARGIN_LEFT_TWIPS: i32 = mm(28);
/// Right margin: 26 mm = 1474 twips (the 156 mm type area).
pub const MARGIN_RIGHT_TWIPS: i32 = mm(26);
/// Width of the type area in twips (156 mm): the width of the ranking table.
pub(crate) const TEXT_WIDTH: usize = 8844;

/// The title's font for Chinese characters (2号小标宋体, GB/T 9704-2012 §7.2.3).
pub const TITLE_FONT: &str = "方正小标宋简体";
/// The font of the title's digits and Latin letters, and of first-level headings (一、).
pub const HEITI: &str = "黑体";
/// The body font (3号仿宋体, GB/T 9704-2012 §5.1).
pub const BODY_FONT: &str = "仿宋_GB2312";
/// The font of second-level headings (（一）).
pub const KAITI: &str = "楷体_GB2312";
/// The font of page numbers (4号宋体, GB/T 9704-2012 §7.5).
const SONGTI: &str = "宋体";

/// 二号 (22 pt) in half-points (`w:sz`), the title's size.
pub const SIZE_ERHAO: usize = 44;
/// 三号 (16 pt) in half-points, the size of the text and headings.
pub const SIZE_SANHAO: usize = 32;
/// 四号 (14 pt) in half-points, the page numbers.
const SIZE_SIHAO: usize = 28;
/// 五号 (10.5 pt) in half-points, the ranking table (the standard leaves tables free).
const SIZE_WUHAO: usize = 21;

/// Fixed line pitch in twips: 28 pt, 22 lines to the 225 mm type area (GB/T 9704-2012 §5.2.3).
pub const LINE_TWIPS: i32 = 560;
/// One character of body text (三号, 16 pt) in twips: the unit of indents.
const CHAR: i32 = 320;

/// The style of the page-number paragraphs in the footers.
const PAGE_NUMBER_STYLE: &str = "JinduPageNumber";

/// The issuing office: `{jurisdiction}禁毒委员会办公室`.
pub fn issuing_office(d: &Dashboard) -> String {
    format!("{}禁毒委员会办公室", d.jurisdiction.name)
}

/// A date the way official documents write it: `2026年11月29日`, no leading zeros (GB/T
/// 9704-2012 §7.3.5.1).
pub fn chinese_date(day: NaiveDate) -> String {
    format!("{}年{}月{}日", day.year(), day.month(), day.day())
}

/// The title: `{jurisdiction}禁毒工作情况通报（{period}）`, e.g. `珠晖区禁毒工作情况通报（2026年10月）`.
pub fn bulletin_title(d: &Dashboard) -> String {
    format!("{}禁毒工作情况通报（{}）", d.jurisdiction.name, crate::export::period_label(d, "zh-CN"))
}

/// File name of the document or workbook: `bulletin-430405-2026-10.docx` (`ext` without the dot).
pub fn bulletin_file_name(d: &Dashboard, ext: &str) -> String {
    format!("bulletin-{}-{}.{ext}", export::short_code(&d.jurisdiction.code), d.period.code())
}

// ---------------------------------------------------------------------------------------------
// What the bulletin says, shared by the document and the workbook.

/// Why a unit below is listed among the lagging units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lag {
    /// No value of the ranking indicator (a rate over nothing): not ranked.
    NoFigure,
    /// In the bottom third of the `ranked` units that have a rank.
    BottomThird { rank: u32, ranked: usize },
}

/// An indicator with a target and the units below that miss it, each with its value.
struct Missed<'a> {
    indicator: Indicator,
    target: f64,
    units: Vec<(&'a ChildRow, f64)>,
}

/// The lagging units of a bulletin (三、工作滞后单位).
struct Lagging<'a> {
    /// Units without a ranking figure or in the bottom third of the ranking, in rank order.
    ranked: Vec<(&'a ChildRow, Lag)>,
    /// Every indicator shown for the units below that has a target, with the units missing it.
    missed: Vec<Missed<'a>>,
}

/// The target of an indicator: the page's (the [`FigureRow`]), else the settings'.
fn target_of(d: &Dashboard, i: Indicator) -> Option<f64> {
    d.row(i).map_or_else(|| d.settings.target(i), |r| r.target)
}

/// The indicators shown for each unit below: the ranking indicator (when it is not a column)
/// and [`CHILD_COLUMNS`].
fn child_indicators(d: &Dashboard) -> Vec<Indicator> {
    let mut out = Vec::with_capacity(CHILD_COLUMNS.len() + 1);
    if !CHILD_COLUMNS.contains(&d.rank_by) {
        out.push(d.rank_by);
    }
    out.extend(CHILD_COLUMNS);
    out
}

/// A unit's figure of `i`, when the dashboard has it.
fn child_figure(d: &Dashboard, child: &ChildRow, i: Indicator) -> Option<Figure> {
    match CHILD_COLUMNS.iter().position(|c| *c == i) {
        Some(k) => child.figures.get(k).copied(),
        None if i == d.rank_by => Some(child.rank_figure),
        None => None,
    }
}

/// Works out the lagging units. A unit lags on the ranking when it has no ranking figure, or when
/// its rank lies in the bottom third of the ranked units: rank > m − ⌊m/3⌋ for m ranked units
/// (ranks share ties, so a tie on the boundary stays out). A unit misses an indicator's target
/// as the page colours a figure red: [`misses_target`] with the indicator's direction.
fn lagging(d: &Dashboard) -> Lagging<'_> {
    let ranked_count = d.children.iter().filter(|c| c.rank.is_some()).count();
    let cut = ranked_count - ranked_count / 3;
    let ranked = d
        .children
        .iter()
        .filter_map(|c| match c.rank {
            None => Some((c, Lag::NoFigure)),
            Some(r) if usize::try_from(r).unwrap_or(usize::MAX) > cut => {
                Some((c, Lag::BottomThird { rank: r, ranked: ranked_count }))
            }
            Some(_) => None,
        })
        .collect();
    let missed = child_indicators(d)
        .into_iter()
        .filter_map(|i| {
            let target = target_of(d, i)?;
            let direction = i.definition().direction;
            let units: Vec<(&ChildRow, f64)> = d
                .children
                .iter()
                .filter_map(|c| {
                    let v = child_figure(d, c, i)?.value?;
                    misses_target(Some(v), Some(target), direction).then_some((c, v))
                })
                .collect();
            Some(Missed { indicator: i, target, units })
        })
        .collect();
    Lagging { ranked, missed }
}

/// A number in an indicator's unit as text, without the unit: `20.0`, `10`, `1.500`.
fn number(v: f64, u: Unit) -> String {
    format!("{v:.prec$}", prec = sheet::decimals(u))
}

/// A value with its unit: `20.0%`, `10人`, `1.500克`; `无数据` without one.
fn with_unit(v: Option<f64>, u: Unit) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{}{}", number(v, u), u.label_zh()),
        _ => "无数据".to_string(),
    }
}

/// `不高于` / `不低于` and the symbol of a target's side.
fn target_text(i: Indicator, target: f64) -> String {
    let d = i.definition();
    let side = match d.direction {
        Direction::HigherIsBetter => "≥",
        Direction::LowerIsBetter => "≤",
    };
    format!("{side}{}", with_unit(Some(target), d.unit))
}

/// The change from a year before in words: `同比上升20.0个百分点`, `同比增加2人`, `同比持平`,
/// `无法同比` (either value missing).
fn change_text(r: &FigureRow) -> String {
    let unit = r.indicator.definition().unit;
    let Some(c) = r.change() else { return "无法同比".to_string() };
    let shown = number(c.abs(), unit);
    if shown.chars().all(|ch| ch == '0' || ch == '.') {
        return "同比持平".to_string();
    }
    let rate = matches!(unit, Unit::Percent | Unit::PerWorker);
    let verb = match (c > 0.0, rate) {
        (true, true) => "上升",
        (false, true) => "下降",
        (true, false) => "增加",
        (false, false) => "减少",
    };
    match unit {
        Unit::Percent => format!("同比{verb}{shown}个百分点"),
        _ => format!("同比{verb}{shown}{}", unit.label_zh()),
    }
}

/// One indicator of 一、总体情况 as a sentence (without its number), and whether it misses its
/// target: `失控率20.0%，去年同期0.0%，同比上升20.0个百分点；目标≤5.0%，未达标。`
fn figure_sentence(r: &FigureRow) -> (String, Option<&'static str>) {
    let def = r.indicator.definition();
    let mut s = format!(
        "{}{}，去年同期{}，{}",
        def.label_zh,
        with_unit(r.figure.value, def.unit),
        with_unit(r.year_before.value, def.unit),
        change_text(r)
    );
    let verdict = r.target.map(|t| {
        s.push_str(&format!("；目标{}，", target_text(r.indicator, t)));
        match export::verdict(r, "zh-CN") {
            "—" => "无法评价",
            v => v,
        }
    });
    (s, verdict)
}

/// Who is below: `各街道（乡镇）`, or `各下级单位` for the rare level without a name.
fn below(d: &Dashboard) -> String {
    let l = crate::export::level_label(d.jurisdiction.level, "zh-CN");
    if l.is_empty() { "各下级单位".to_string() } else { l }
}

/// 四、下步要求: the same words in every bulletin.
const NEXT_STEPS: &str = "各单位要对照本通报，认真查找工作中存在的问题和不足，深入分析原因，制定切实可行的整改措施。\
排名靠后和指标未达标的单位要明确责任人和整改时限，重点加强失控人员查找、按期检测和走访帮扶工作，\
确保各项指标尽快达到目标要求。本办将持续跟踪整改落实情况，并在下期通报中予以反映。";

// ---------------------------------------------------------------------------------------------
// The Word document.

/// The faces of the document.
#[derive(Clone, Copy)]
pub(crate) enum Face {
    /// 方正小标宋简体 二号 (digits in 黑体).
    Title,
    /// 仿宋_GB2312 三号.
    Body,
    /// 黑体 三号 (一、).
    Heading,
    /// 楷体_GB2312 三号 (（一）).
    Subheading,
    /// 仿宋_GB2312 五号 (table cells).
    Cell,
    /// 黑体 五号 (table headers).
    HeaderCell,
}

/// Fonts naming `east_asia` for Chinese characters and `western` for the rest.
fn fonts(east_asia: &str, western: &str) -> RunFonts {
    RunFonts::new().east_asia(east_asia).ascii(western).hi_ansi(western).cs(western).hint("eastAsia")
}

/// A run of text in a face.
pub(crate) fn run(text: impl Into<String>, face: Face) -> Run {
    let (f, size) = match face {
        Face::Title => (fonts(TITLE_FONT, HEITI), SIZE_ERHAO),
        Face::Body => (fonts(BODY_FONT, BODY_FONT), SIZE_SANHAO),
        Face::Heading => (fonts(HEITI, HEITI), SIZE_SANHAO),
        Face::Subheading => (fonts(KAITI, KAITI), SIZE_SANHAO),
        Face::Cell => (fonts(BODY_FONT, BODY_FONT), SIZE_WUHAO),
        Face::HeaderCell => (fonts(HEITI, HEITI), SIZE_WUHAO),
    };
    Run::new().add_text(text).fonts(f).size(size)
}

/// Fixed 28 pt lines.
fn fixed_lines() -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE_TWIPS).before(0).after(0)
}

/// A paragraph of body text: justified, first line indented two characters, fixed lines.
pub(crate) fn body_paragraph(runs: Vec<Run>) -> Paragraph {
    let p = Paragraph::new()
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(2 * CHAR)), None, None)
        .line_spacing(fixed_lines());
    runs.into_iter().fold(p, Paragraph::add_run)
}

/// A paragraph of one run of body text.
pub(crate) fn body(text: impl Into<String>) -> Paragraph {
    body_paragraph(vec![run(text, Face::Body)])
}

/// A first-level heading (`一、总体情况`, 黑体).
pub(crate) fn heading(text: &str) -> Paragraph {
    body_paragraph(vec![run(text, Face::Heading)]).keep_next(true)
}

/// A second-level heading (`（一）排名靠后单位`, 楷体).
pub(crate) fn subheading(text: &str) -> Paragraph {
    body_paragraph(vec![run(text, Face::Subheading)]).keep_next(true)
}

/// An empty line of body height.
pub(crate) fn blank_line() -> Paragraph {
    Paragraph::new().line_spacing(fixed_lines()).add_run(run("", Face::Body))
}

/// Width of text in twips at body size: Chinese characters one character, ASCII half.
fn text_twips(text: &str) -> i32 {
    text.chars().map(|c| if c.is_ascii() { CHAR / 2 } else { CHAR }).sum()
}

/// The signature block of a document without a seal (GB/T 9704-2012 §7.3.5.2): one blank line
/// below the text, the office two characters from the right margin, the date on the next line
/// starting two characters to the right of the office's first character; a date longer than that
/// allows sits two characters from the margin and the office moves left to keep the offset.
pub(crate) fn signature(office: &str, date: &str) -> Vec<Paragraph> {
    let (o, t) = (text_twips(office), text_twips(date));
    let date_right = (o - t).max(2 * CHAR);
    let office_right = date_right + t - o + 2 * CHAR;
    let line = |text: &str, right: i32| {
        Paragraph::new()
            .align(AlignmentType::Right)
            .indent(None, None, Some(right), None)
            .line_spacing(fixed_lines())
            .add_run(run(text, Face::Body))
    };
    vec![blank_line(), line(office, office_right), line(date, date_right)]
}

/// A cell of the ranking table, `width` twips wide.
pub(crate) fn cell(text: &str, width: usize, face: Face, align: AlignmentType) -> TableCell {
    TableCell::new().width(width, WidthType::Dxa).vertical_align(VAlignType::Center).add_paragraph(
        Paragraph::new()
            .align(align)
            .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).before(0).after(0))
            .add_run(run(text, face)),
    )
}

/// A value in a table cell: the number in the column's unit, `—` without one.
fn cell_value(v: Option<f64>, u: Unit) -> String {
    match v {
        Some(v) if v.is_finite() => number(v, u),
        _ => "—".to_string(),
    }
}

/// The ranking table: 排名, 单位, the ranking indicator, then [`CHILD_COLUMNS`]; one row per unit
/// in rank order, tied units showing the same rank, `—` for a unit without a rank.
fn ranking_table(d: &Dashboard) -> Table {
    // Narrow columns: 五号 numbers such as `100.0` need about 560 twips, with 40 twips of padding
    // on either side (instead of Word's 108) they fit in one line.
    let (rank_w, name_w, by_w) = (560, 1300, 984);
    let each = (TEXT_WIDTH - rank_w - name_w - by_w) / CHILD_COLUMNS.len();
    let mut grid = vec![rank_w, name_w, by_w];
    grid.extend(std::iter::repeat_n(each, CHILD_COLUMNS.len()));
    let by_header = format!("{}（排名依据）", export::indicator_header(d.rank_by, "zh-CN"));
    let mut headers = vec!["排名".to_string(), "单位".to_string(), by_header];
    headers.extend(CHILD_COLUMNS.iter().map(|i| export::indicator_header(*i, "zh-CN")));
    let rows = d.children.iter().map(|child| {
        let mut texts = vec![
            ranking_rank(child.rank),
            child.jurisdiction.name.clone(),
            cell_value(child.rank_figure.value, d.rank_by.definition().unit),
        ];
        texts.extend(CHILD_COLUMNS.iter().zip(&child.figures).map(|(i, f)| cell_value(f.value, i.definition().unit)));
        texts
    });
    ranking_grid(&headers, rows, grid)
}

/// A rank as text, `—` for a unit without one.
pub(crate) fn ranking_rank(rank: Option<u32>) -> String {
    rank.map_or_else(|| "—".to_string(), |r| r.to_string())
}

/// A ranking table of `headers` and one row of texts per unit (rank, name, then figures), each
/// row kept on one page: header cells and figures centred, the name (second column) left-aligned,
/// the columns `grid` twips wide (see [`table_of`]).
pub(crate) fn ranking_grid(headers: &[String], rows: impl Iterator<Item = Vec<String>>, grid: Vec<usize>) -> Table {
    let header_row = TableRow::new(
        headers.iter().zip(&grid).map(|(h, w)| cell(h, *w, Face::HeaderCell, AlignmentType::Center)).collect(),
    )
    .cant_split();
    let mut table_rows = vec![header_row];
    for texts in rows {
        let cells = texts
            .iter()
            .zip(&grid)
            .enumerate()
            .map(|(k, (t, w))| {
                let align = if k == 1 { AlignmentType::Left } else { AlignmentType::Center };
                cell(t, *w, Face::Cell, align)
            })
            .collect();
        table_rows.push(TableRow::new(cells).cant_split());
    }
    table_of(table_rows, grid)
}

/// A table across the type area with a fixed `grid` (column widths in twips, summing to at most
/// 8,844, the 156 mm type area), narrow cell padding, centred.
pub(crate) fn table_of(rows: Vec<TableRow>, grid: Vec<usize>) -> Table {
    Table::new(rows)
        .set_grid(grid)
        .layout(TableLayoutType::Fixed)
        .width(TEXT_WIDTH, WidthType::Dxa)
        .margins(TableCellMargins::new().margin(20, 40, 20, 40))
        .align(TableAlignmentType::Center)
}

/// A footer with the page number as `— 1 —`, on the right (odd pages) or the left (even pages),
/// one character in from the margin (GB/T 9704-2012 §7.5).
fn page_number_footer(odd: bool) -> Footer {
    // One character of 4号 (14 pt = 280 twips).
    let inset = Some(280);
    let (align, left, right) =
        if odd { (AlignmentType::Right, None, inset) } else { (AlignmentType::Left, inset, None) };
    Footer::new().add_paragraph(
        Paragraph::new()
            .style(PAGE_NUMBER_STYLE)
            .align(align)
            .indent(left, None, right, None)
            .add_run(Run::new().add_text("— ").fonts(fonts(SONGTI, SONGTI)).size(SIZE_SIHAO))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —").fonts(fonts(SONGTI, SONGTI)).size(SIZE_SIHAO)),
    )
}

/// The 通报 as a Word document (`.docx` bytes) in the layout of GB/T 9704-2012《党政机关公文格式》
/// (see the module documentation): A4, margins 37/35/28/26 mm (top/bottom/left/right), title in
/// 方正小标宋简体 二号 (22 pt), text in 仿宋_GB2312 三号 (16 pt) on fixed 28 pt lines, headings in 黑体
/// and 楷体_GB2312 三号. `demo` adds a line 演示数据 under the title; `issued_on` is the date of the
/// signature block (`2026年11月29日`).
///
/// # Errors
/// [`ExportError::Docx`] if the document cannot be assembled (an internal fault).
pub fn bulletin_docx(d: &Dashboard, demo: bool, issued_on: NaiveDate) -> Result<Vec<u8>, ExportError> {
    let office = issuing_office(d);
    let period = crate::export::period_label(d, "zh-CN");
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let title = Paragraph::new().align(AlignmentType::Center).line_spacing(fixed_lines()).keep_next(true);
    paragraphs.push(title.add_run(run(bulletin_title(d), Face::Title)));
    if demo {
        paragraphs.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(fixed_lines())
                .add_run(run("演示数据", Face::Heading).bold().color("C00000")),
        );
    }
    paragraphs.push(blank_line());
    let scope = if d.children.is_empty() {
        d.jurisdiction.name.clone()
    } else {
        format!("{}及{}", d.jurisdiction.name, below(d))
    };
    paragraphs.push(body(format!(
        "为全面掌握禁毒工作进展，推动各项工作落实，根据禁毒工作综合管理平台统计数据，现将{period}{scope}禁毒工作情况通报如下："
    )));

    // 一、总体情况
    paragraphs.push(heading("一、总体情况"));
    let with_target: Vec<&FigureRow> =
        d.figures.iter().filter(|r| r.target.is_some() && r.figure.value.is_some()).collect();
    let missing = with_target.iter().filter(|r| r.misses).count();
    let summary = if missing == 0 {
        format!("{period}，{}设有目标的{}项指标全部达标。", d.jurisdiction.name, with_target.len())
    } else {
        format!("{period}，{}设有目标的{}项指标中，{missing}项未达标。", d.jurisdiction.name, with_target.len())
    };
    paragraphs.push(body(summary));
    for (n, r) in d.figures.iter().enumerate() {
        let (sentence, verdict) = figure_sentence(r);
        let mut runs = vec![run(format!("{}.{sentence}", n + 1), Face::Body)];
        if let Some(v) = verdict {
            let mut verdict_run = run(v, Face::Body);
            if r.misses {
                verdict_run = verdict_run.bold();
            }
            runs.push(verdict_run);
        }
        runs.push(run("。", Face::Body));
        paragraphs.push(body_paragraph(runs));
    }

    // 二、排名情况
    paragraphs.push(heading("二、排名情况"));
    let by = d.rank_by.definition();
    let mut table = None;
    if d.children.is_empty() {
        paragraphs.push(body(format!("{}无下级区划，本期不作排名。", d.jurisdiction.name)));
    } else {
        paragraphs.push(body(format!(
            "按{}（{}）对{}进行排名，数值相同的单位名次并列，{}无数据的单位不参与排名。排名情况见下表（率的单位为%）。",
            by.label_zh,
            export::direction_label(d.rank_by, "zh-CN"),
            below(d),
            by.label_zh
        )));
        table = Some(ranking_table(d));
    }

    // 三、工作滞后单位
    let lag = lagging(d);
    let mut after_table: Vec<Paragraph> = vec![heading("三、工作滞后单位")];
    if d.children.is_empty() {
        after_table.push(body("无下级区划。"));
    } else {
        after_table.push(subheading("（一）排名靠后单位"));
        if lag.ranked.is_empty() {
            after_table.push(body("本期无排名靠后单位。"));
        }
        for (n, (child, why)) in lag.ranked.iter().enumerate() {
            let text = match why {
                Lag::NoFigure => format!("{}.{}：{}无数据，未参与排名。", n + 1, child.jurisdiction.name, by.label_zh),
                Lag::BottomThird { rank, ranked } => format!(
                    "{}.{}：{}{}，排名第{rank}位（共{ranked}个单位参与排名），处于后三分之一。",
                    n + 1,
                    child.jurisdiction.name,
                    by.label_zh,
                    with_unit(child.rank_figure.value, by.unit)
                ),
            };
            after_table.push(body(text));
        }
        after_table.push(subheading("（二）指标未达标单位"));
        let missed: Vec<&Missed> = lag.missed.iter().filter(|m| !m.units.is_empty()).collect();
        if missed.is_empty() {
            after_table.push(body("各单位设有目标的指标均已达标。"));
        }
        for (n, m) in missed.iter().enumerate() {
            let def = m.indicator.definition();
            let units: Vec<String> = m
                .units
                .iter()
                .map(|(c, v)| format!("{}（{}）", c.jurisdiction.name, with_unit(Some(*v), def.unit)))
                .collect();
            after_table.push(body(format!(
                "{}.{}（目标{}）：{}，共{}个单位未达标。",
                n + 1,
                def.label_zh,
                target_text(m.indicator, m.target),
                units.join("、"),
                m.units.len()
            )));
        }
    }

    // 四、下步要求
    after_table.push(heading("四、下步要求"));
    after_table.push(body(NEXT_STEPS));
    after_table.extend(signature(&office, &chinese_date(issued_on)));

    let mut blocks: Vec<Block> = paragraphs.into_iter().map(|p| Block::Paragraph(Box::new(p))).collect();
    blocks.extend(table.map(|t| Block::Table(Box::new(t))));
    blocks.extend(after_table.into_iter().map(|p| Block::Paragraph(Box::new(p))));
    official_document(blocks, issued_on)
}

/// A part of an official document's body: a paragraph or a table.
pub(crate) enum Block {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
}

/// The `.docx` bytes of an official document of `blocks` laid out per GB/T 9704-2012: A4, margins
/// 37/35/28/26 mm, 仿宋_GB2312 三号 by default, page numbers `— 1 —` in the footers, created on
/// `issued_on`.
///
/// # Errors
/// [`ExportError::Docx`] if the document cannot be assembled (an internal fault).
pub(crate) fn official_document(blocks: Vec<Block>, issued_on: NaiveDate) -> Result<Vec<u8>, ExportError> {
    let page_style =
        Style::new(PAGE_NUMBER_STYLE, StyleType::Paragraph).name("页码").fonts(fonts(SONGTI, SONGTI)).size(SIZE_SIHAO);
    let mut docx = docx_rs::Docx::new()
        .page_size(A4_WIDTH_TWIPS, A4_HEIGHT_TWIPS)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP_TWIPS)
                .bottom(MARGIN_BOTTOM_TWIPS)
                .left(MARGIN_LEFT_TWIPS)
                .right(MARGIN_RIGHT_TWIPS)
                .header(mm(15))
                .footer(mm(23))
                .gutter(0),
        )
        .default_fonts(fonts(BODY_FONT, BODY_FONT))
        .default_size(SIZE_SANHAO)
        .add_style(page_style)
        .footer(page_number_footer(true))
        .even_footer(page_number_footer(false))
        .created_at(&format!("{}T00:00:00Z", issued_on.format("%Y-%m-%d")));
    for b in blocks {
        docx = match b {
            Block::Paragraph(p) => docx.add_paragraph(*p),
            Block::Table(t) => docx.add_table(*t),
        };
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(DocxError::from)?;
    Ok(out.into_inner())
}

// ---------------------------------------------------------------------------------------------
// The workbook.

/// The 通报 as an `.xlsx` workbook with the figures as numbers: sheets 总体情况 (every indicator:
/// value, unit, 同期, change, target, whether met), 排名 (the units below in rank order, ties
/// sharing a rank) and 滞后单位 (one row per lagging unit and reason). Each sheet has a title row
/// and Chinese column headers, both frozen; `demo` marks the titles and adds a 演示数据 line;
/// `issued_on` is the date under 总体情况 (`2026年11月29日`).
///
/// # Errors
/// [`ExportError::Xlsx`] if the workbook cannot be assembled (an internal fault).
pub fn bulletin_xlsx(d: &Dashboard, demo: bool, issued_on: NaiveDate) -> Result<Vec<u8>, ExportError> {
    let f = Formats::new();
    let mut wb = sheet::official_workbook(&bulletin_title(d), &issuing_office(d), &d.period.code());
    summary_sheet(wb.add_worksheet(), d, demo, issued_on, &f)?;
    export::ranking_sheet(wb.add_worksheet(), d, ZH, "排名", export::RankedOn::First, demo, &f)?;
    lagging_sheet(wb.add_worksheet(), d, demo, &f)?;
    Ok(wb.save_to_buffer()?)
}

const ZH: &str = "zh-CN";

fn summary_sheet(
    ws: &mut Worksheet,
    d: &Dashboard,
    demo: bool,
    issued_on: NaiveDate,
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns = [
        ("指标".to_string(), 22.0),
        (format!("本期（{}）", d.period.label_zh()), 14.0),
        ("单位".to_string(), 8.0),
        (format!("同期（{}）", d.period.year_before().label_zh()), 14.0),
        ("同比变化（率为百分点）".to_string(), 13.0),
        ("目标".to_string(), 8.0),
        ("目标值".to_string(), 9.0),
        ("达标情况".to_string(), 9.0),
    ];
    let title = export::title_of(d, ZH, "禁毒工作情况通报·总体情况", demo);
    sheet::start_sheet(ws, "总体情况", &title, &columns, f)?;
    let mut row = HEADER_ROW + 1;
    for r in &d.figures {
        let def = r.indicator.definition();
        let num = Formats::number(def.unit);
        ws.write_string(row, 0, def.label_zh)?;
        sheet::write_value(ws, row, 1, r.figure.value, &num, f)?;
        ws.write_string(row, 2, def.unit.label_zh())?;
        sheet::write_value(ws, row, 3, r.year_before.value, &num, f)?;
        sheet::write_value(ws, row, 4, r.change(), &Formats::signed(def.unit), f)?;
        write_target(ws, row, r.indicator, r.target, f)?;
        let v = export::verdict(r, ZH);
        ws.write_string_with_format(row, 7, v, if r.misses { &f.missed } else { &f.center })?;
        row += 1;
    }
    row += 1;
    ws.write_string(row, 0, "发文机关")?;
    ws.write_string(row, 1, issuing_office(d))?;
    ws.write_string(row + 1, 0, "成文日期")?;
    ws.write_string(row + 1, 1, chinese_date(issued_on))?;
    if demo {
        sheet::demo_line(ws, row + 3, ZH, f)?;
    }
    ws.set_active(true);
    Ok(())
}

fn lagging_sheet(ws: &mut Worksheet, d: &Dashboard, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let columns = [
        ("类别".to_string(), 12.0),
        ("名称".to_string(), 22.0),
        ("区划代码".to_string(), 15.0),
        ("指标".to_string(), 22.0),
        ("数值".to_string(), 10.0),
        ("目标".to_string(), 8.0),
        ("目标值".to_string(), 9.0),
        ("排名".to_string(), 7.0),
        ("参与排名单位数".to_string(), 10.0),
    ];
    let title = export::title_of(d, ZH, "工作滞后单位", demo);
    sheet::start_sheet(ws, "滞后单位", &title, &columns, f)?;
    let lag = lagging(d);
    let by = d.rank_by.definition();
    let mut row = HEADER_ROW + 1;
    let by_target = target_of(d, d.rank_by);
    for (child, why) in &lag.ranked {
        let kind = match why {
            Lag::NoFigure => "无排名数据",
            Lag::BottomThird { .. } => "排名靠后",
        };
        ws.write_string_with_format(row, 0, kind, &f.missed)?;
        ws.write_string(row, 1, &child.jurisdiction.name)?;
        ws.write_string(row, 2, export::short_code(&child.jurisdiction.code))?;
        ws.write_string(row, 3, export::indicator_header(d.rank_by, ZH))?;
        sheet::write_value(ws, row, 4, child.rank_figure.value, &Formats::number(by.unit), f)?;
        write_target(ws, row, d.rank_by, by_target, f)?;
        match why {
            Lag::NoFigure => {
                ws.write_string_with_format(row, 7, "—", &f.center)?;
            }
            Lag::BottomThird { rank, ranked } => {
                ws.write_number_with_format(row, 7, f64::from(*rank), &f.center)?;
                ws.write_number_with_format(row, 8, *ranked as f64, &f.center)?;
            }
        }
        row += 1;
    }
    for m in &lag.missed {
        let def = m.indicator.definition();
        let num = Formats::number(def.unit);
        for (child, v) in &m.units {
            ws.write_string_with_format(row, 0, "未达标", &f.missed)?;
            ws.write_string(row, 1, &child.jurisdiction.name)?;
            ws.write_string(row, 2, export::short_code(&child.jurisdiction.code))?;
            ws.write_string(row, 3, export::indicator_header(m.indicator, ZH))?;
            ws.write_number_with_format(row, 4, *v, &num)?;
            write_target(ws, row, m.indicator, Some(m.target), f)?;
            sheet::write_rank(ws, row, 7, child.rank, f)?;
            row += 1;
        }
    }
    if row == HEADER_ROW + 1 {
        ws.write_string(row, 1, if d.children.is_empty() { "无下级区划" } else { "无滞后单位" })?;
        row += 1;
    }
    if demo {
        sheet::demo_line(ws, row + 1, ZH, f)?;
    }
    Ok(())
}

/// A target in columns 5 and 6 of a sheet: its side (`不高于` / `不低于`) and its value in the
/// indicator's number format; nothing without a target.
fn write_target(ws: &mut Worksheet, row: u32, i: Indicator, target: Option<f64>, f: &Formats) -> Result<(), XlsxError> {
    if let Some(t) = target {
        ws.write_string_with_format(row, 5, side_text(i), &f.center)?;
        ws.write_number_with_format(row, 6, t, &Formats::number(i.definition().unit))?;
    }
    Ok(())
}

/// `不高于` / `不低于`: the side of a target an indicator must stay on.
fn side_text(i: Indicator) -> &'static str {
    match i.definition().direction {
        Direction::HigherIsBetter => "不低于",
        Direction::LowerIsBetter => "不高于",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::process::Command;
    use std::time::Instant;

    use calamine::{Data, Reader};
    use jindu_domain::indicator::{CellKey, IndicatorSettings, ScopeCells, rank};
    use jindu_domain::{ControlStatus, DivisionLevel};
    use jindu_store::service::dashboard::TRENDS;

    use super::*;
    use crate::testing::{cell_number, cell_text, cells, child, figures, open, place, zhuhui, zip_part};

    fn issued() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    /// 珠晖区 at the end of October 2026, built as `dashboard_of` builds it: 在控 8 and 失控 2
    /// (lost in July) → 失控率 20.0 %, a year before 0.0 %. Four towns ranked on 失控率: 东风街道
    /// and 酃湖乡 with no one lost tie at 0.0 % (both rank 1), 广东路街道 (1 of 2 lost, 50.0 %)
    /// ranks 3, 茶山坳镇 without persons has no 失控率 and no rank.
    fn sample() -> Dashboard {
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let lost = CellKey::Status(ControlStatus::LostContact);
        let district = cells(&[(uc, 202401, 10), (uc, 202607, -2), (lost, 202607, 2)]);
        let settings = IndicatorSettings::default();
        let figures = figures(&district, &settings);
        let trends = TRENDS.iter().map(|i| (*i, Vec::new())).collect();
        let child = |code: &str, name: &str, c: &ScopeCells| child(code, name, c, &settings, None);
        let half_lost = cells(&[(uc, 202401, 2), (uc, 202607, -1), (lost, 202607, 1)]);
        let none_lost = cells(&[(uc, 202401, 3)]);
        // In division-code order, as the store reads them; ranked as `children_of` ranks them.
        let unranked = [
            child("430405009000", "广东路街道", &half_lost),
            child("430405010000", "东风街道", &none_lost),
            child("430405100000", "茶山坳镇", &ScopeCells::new()),
            child("430405201000", "酃湖乡", &none_lost),
        ];
        let values: Vec<Option<f64>> = unranked.iter().map(|c| c.rank_figure.value).collect();
        let children = rank(&values, Direction::LowerIsBetter)
            .into_iter()
            .map(|(i, r)| ChildRow { rank: r, ..unranked[i].clone() })
            .collect();
        zhuhui(figures, trends, children, Vec::new(), settings)
    }

    pub(crate) fn document_xml(bytes: &[u8]) -> String {
        zip_part(bytes, "word/document.xml")
    }

    /// The first element `<name …>` of `xml`, up to its `>`.
    fn element<'a>(xml: &'a str, name: &str) -> &'a str {
        let start = xml.find(&format!("<{name} ")).unwrap_or_else(|| panic!("no <{name}> in {xml}"));
        let end = xml[start..].find('>').unwrap();
        &xml[start..start + end + 1]
    }

    /// The value of attribute `name` of an element.
    fn attr<'a>(element: &'a str, name: &str) -> &'a str {
        let key = format!(" {name}=\"");
        let start = element.find(&key).unwrap_or_else(|| panic!("no {name} in {element}")) + key.len();
        let end = element[start..].find('"').unwrap();
        &element[start..start + end]
    }

    /// The text of every `<w:t>` in a fragment, concatenated.
    pub(crate) fn text(fragment: &str) -> String {
        let mut out = String::new();
        let mut rest = fragment;
        while let Some(i) = rest.find("<w:t") {
            rest = &rest[i + 4..];
            if !(rest.starts_with('>') || rest.starts_with(' ')) {
                continue;
            }
            let open = rest.find('>').unwrap();
            if rest[..open].ends_with('/') {
                rest = &rest[open + 1..];
                continue;
            }
            let close = rest.find("</w:t>").unwrap();
            out.push_str(&rest[open + 1..close]);
            rest = &rest[close..];
        }
        out
    }

    /// The body's paragraphs outside tables, each as its XML.
    pub(crate) fn paragraphs(xml: &str) -> Vec<&str> {
        let mut body = xml;
        let mut out = Vec::new();
        loop {
            let p = body.find("<w:p>").or_else(|| body.find("<w:p "));
            let t = body.find("<w:tbl>");
            match (p, t) {
                (Some(p), Some(t)) if t < p => {
                    let end = body[t..].find("</w:tbl>").unwrap();
                    body = &body[t + end..];
                }
                (Some(p), _) => {
                    let end = body[p..].find("</w:p>").unwrap() + "</w:p>".len();
                    out.push(&body[p..p + end]);
                    body = &body[p + end..];
                }
                (None, _) => return out,
            }
        }
    }

    /// The paragraph whose text is `t`.
    fn paragraph<'a>(xml: &'a str, t: &str) -> &'a str {
        paragraphs(xml).into_iter().find(|p| text(p) == t).unwrap_or_else(|| panic!("no paragraph {t:?}"))
    }

    /// The ranking table as rows of cell texts.
    fn table_rows(xml: &str) -> Vec<Vec<String>> {
        let start = xml.find("<w:tbl>").expect("a table");
        let end = xml[start..].find("</w:tbl>").unwrap();
        let table = &xml[start..start + end];
        table
            .split("</w:tr>")
            .filter(|r| r.contains("<w:tc>"))
            .map(|r| r.split("</w:tc>").filter(|c| c.contains("<w:tc>")).map(text).collect())
            .collect()
    }

    #[test]
    fn the_document_has_the_page_fonts_and_sizes_of_gb_t_9704() {
        let d = sample();
        let xml = document_xml(&bulletin_docx(&d, false, issued()).unwrap());

        let size = element(&xml, "w:pgSz");
        assert_eq!((attr(size, "w:w"), attr(size, "w:h")), ("11906", "16838"), "A4 in twips");
        let margin = element(&xml, "w:pgMar");
        assert_eq!(
            [attr(margin, "w:top"), attr(margin, "w:bottom"), attr(margin, "w:left"), attr(margin, "w:right")],
            ["2098", "1984", "1587", "1474"],
            "37/35/28/26 mm: {margin}"
        );

        // The title: centred, 方正小标宋简体 (digits in 黑体) 二号.
        let title = paragraph(&xml, "珠晖区禁毒工作情况通报（2026年10月）");
        assert_eq!(attr(element(title, "w:jc"), "w:val"), "center");
        let fonts = element(title, "w:rFonts");
        assert_eq!((attr(fonts, "w:eastAsia"), attr(fonts, "w:ascii")), (TITLE_FONT, HEITI));
        assert_eq!(attr(element(title, "w:sz"), "w:val"), "44");
        assert!(!xml.contains("演示数据"), "no demo mark on real data");

        // Body text: 仿宋_GB2312 三号, first line indented two characters (2 × 16 pt), fixed 28 pt.
        let opening = paragraphs(&xml).into_iter().find(|p| text(p).starts_with("为全面掌握")).unwrap();
        assert!(
            text(opening).contains("现将2026年10月珠晖区及各街道（乡镇）禁毒工作情况通报如下"),
            "{}",
            text(opening)
        );
        assert_eq!(attr(element(opening, "w:rFonts"), "w:eastAsia"), "仿宋_GB2312");
        assert_eq!(attr(element(opening, "w:sz"), "w:val"), "32");
        assert_eq!(attr(element(opening, "w:ind"), "w:firstLine"), "640");
        let spacing = element(opening, "w:spacing");
        assert_eq!((attr(spacing, "w:line"), attr(spacing, "w:lineRule")), ("560", "exact"));

        // Headings: 一、 in 黑体 三号, （一） in 楷体_GB2312 三号.
        let h1 = paragraph(&xml, "一、总体情况");
        assert_eq!(attr(element(h1, "w:rFonts"), "w:eastAsia"), "黑体");
        assert_eq!(attr(element(h1, "w:sz"), "w:val"), "32");
        let h2 = paragraph(&xml, "（一）排名靠后单位");
        assert_eq!(attr(element(h2, "w:rFonts"), "w:eastAsia"), "楷体_GB2312");
        assert_eq!(attr(element(h2, "w:sz"), "w:val"), "32");
        let order: Vec<usize> = ["一、总体情况", "二、排名情况", "三、工作滞后单位", "四、下步要求"]
            .iter()
            .map(|h| paragraphs(&xml).iter().position(|p| text(p) == *h).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

        // 一、总体情况: every indicator, with the export's numbers.
        let texts: Vec<String> = paragraphs(&xml).into_iter().map(text).collect();
        assert!(texts.contains(&"珠晖区设有目标的".to_string()) || texts.iter().any(|t| t.contains("设有目标的")));
        assert!(
            texts.iter().any(|t| t.ends_with(".失控率20.0%，去年同期0.0%，同比上升20.0个百分点；目标≤5.0%，未达标。")),
            "{texts:#?}"
        );
        assert!(texts.iter().any(|t| t.ends_with(".在册人数10人，去年同期10人，同比持平。")), "{texts:#?}");
        assert!(texts.iter().any(|t| t.ends_with(".报到率无数据，去年同期无数据，无法同比；目标≥95.0%，无法评价。")));
        assert_eq!(texts.iter().filter(|t| t.contains("去年同期")).count(), Indicator::ALL.len());

        // The signature block: right-aligned office and date.
        let office = paragraph(&xml, "珠晖区禁毒委员会办公室");
        assert_eq!(attr(element(office, "w:jc"), "w:val"), "right");
        let date = paragraph(&xml, "2026年11月29日");
        assert_eq!(attr(element(date, "w:jc"), "w:val"), "right");
        // Office 11 characters, date 7 (digits are half): office 2 characters from the margin,
        // the date 4, so that it starts 2 characters right of the office.
        assert_eq!(
            (attr(element(office, "w:ind"), "w:right"), attr(element(date, "w:ind"), "w:right")),
            ("640", "1280")
        );
    }

    #[test]
    fn the_ranking_is_a_table_in_rank_order_with_ties_sharing_a_rank() {
        let d = sample();
        let xml = document_xml(&bulletin_docx(&d, false, issued()).unwrap());
        let rows = table_rows(&xml);
        assert_eq!(
            rows[0],
            [
                "排名",
                "单位",
                "失控率（%）（排名依据）",
                "在册人数（人）",
                "失控人数（人）",
                "失控率（%）",
                "管控率（%）",
                "报到率（%）",
                "按期检测率（%）",
                "按期走访率（%）",
                "工作站覆盖率（%）"
            ]
        );
        let firsts: Vec<(&str, &str, &str)> =
            rows[1..].iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str())).collect();
        assert_eq!(
            firsts,
            [("1", "东风街道", "0.0"), ("1", "酃湖乡", "0.0"), ("3", "广东路街道", "50.0"), ("—", "茶山坳镇", "—")]
        );
        assert_eq!(rows[3][3..6], ["2", "1", "50.0"], "在册, 失控, 失控率 of 广东路街道");
        assert_eq!(rows.len(), 1 + d.children.len());
        assert!(rows.iter().all(|r| r.len() == 3 + CHILD_COLUMNS.len()));
        // The table sits between 二、 and 三、.
        let (two, table, three) = (
            xml.find(">二、排名情况<").unwrap(),
            xml.find("<w:tbl>").unwrap(),
            xml.find(">三、工作滞后单位<").unwrap(),
        );
        assert!(two < table && table < three);
    }

    #[test]
    fn the_lagging_units_are_the_bottom_third_the_unranked_and_those_missing_a_target() {
        let d = sample();
        let xml = document_xml(&bulletin_docx(&d, false, issued()).unwrap());
        let texts: Vec<String> = paragraphs(&xml).into_iter().map(text).collect();
        let from = texts.iter().position(|t| t == "三、工作滞后单位").unwrap();
        let to = texts.iter().position(|t| t == "四、下步要求").unwrap();
        let part = &texts[from..to];
        assert_eq!(
            part,
            [
                "三、工作滞后单位",
                "（一）排名靠后单位",
                "1.广东路街道：失控率50.0%，排名第3位（共3个单位参与排名），处于后三分之一。",
                "2.茶山坳镇：失控率无数据，未参与排名。",
                "（二）指标未达标单位",
                "1.失控人数（目标≤0人）：广东路街道（1人），共1个单位未达标。",
                "2.失控率（目标≤5.0%）：广东路街道（50.0%），共1个单位未达标。",
                "3.管控率（目标≥95.0%）：广东路街道（50.0%），共1个单位未达标。",
            ]
        );
        // The tied leaders are not lagging.
        assert!(!part.iter().any(|t| t.contains("东风街道") || t.contains("酃湖乡")));
    }

    #[test]
    fn the_bottom_third_counts_ranked_units_and_a_tie_on_the_boundary_stays_out() {
        let mut d = sample();
        let template = d.children[0].clone();
        let with_ranks = |ranks: &[Option<u32>]| -> Vec<ChildRow> {
            ranks
                .iter()
                .enumerate()
                .map(|(k, r)| ChildRow {
                    jurisdiction: place(&format!("4304050{k:02}000"), &format!("单位{k}"), DivisionLevel::Town),
                    rank: *r,
                    ..template.clone()
                })
                .collect()
        };
        let lagging_ranks =
            |d: &Dashboard| -> Vec<Option<u32>> { lagging(d).ranked.iter().map(|(c, _)| c.rank).collect() };
        // Ten ranked: the last three (ranks 8–10).
        d.children = with_ranks(&(1..=10).map(Some).collect::<Vec<_>>());
        assert_eq!(lagging_ranks(&d), [Some(8), Some(9), Some(10)]);
        // A tie across the boundary (ranks 6, 7, 7, 7 of 10): only the units strictly below stay.
        d.children = with_ranks(&[1, 2, 3, 4, 5, 6, 7, 7, 7, 10].map(Some));
        assert_eq!(lagging_ranks(&d), [Some(10)]);
        // Two ranked units: no third to speak of; the unranked one is listed.
        d.children = with_ranks(&[Some(1), Some(2), None]);
        assert_eq!(lagging_ranks(&d), [None]);
        d.children.clear();
        assert!(lagging(&d).ranked.is_empty());
        let xml = document_xml(&bulletin_docx(&d, false, issued()).unwrap());
        assert!(!xml.contains("<w:tbl>"), "no table without units below");
        assert!(text(&xml).contains("珠晖区无下级区划，本期不作排名。"));
    }

    #[test]
    fn a_demo_document_says_so_right_under_the_title() {
        let d = sample();
        let xml = document_xml(&bulletin_docx(&d, true, issued()).unwrap());
        let texts: Vec<String> = paragraphs(&xml).into_iter().map(text).collect();
        let title = texts.iter().position(|t| t == "珠晖区禁毒工作情况通报（2026年10月）").unwrap();
        assert_eq!(texts[title + 1], "演示数据");
        assert_eq!(xml.matches("演示数据").count(), 1);
    }

    #[test]
    fn dates_are_written_in_full_without_leading_zeros() {
        assert_eq!(chinese_date(issued()), "2026年11月29日");
        assert_eq!(chinese_date(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()), "2027年1月5日");
        assert_eq!(bulletin_file_name(&sample(), "docx"), "bulletin-430405-2026-10.docx");
    }

    #[test]
    fn the_workbook_has_the_summary_the_ranking_and_the_lagging_units() {
        let d = sample();
        let bytes = bulletin_xlsx(&d, false, issued()).unwrap();
        let mut wb = open(&bytes);
        assert_eq!(wb.sheet_names(), ["总体情况", "排名", "滞后单位"]);

        let r = wb.worksheet_range("排名").unwrap();
        assert_eq!(cell_text(&r, (0, 0)), "珠晖区（430405） 2026年10月 下级排名（按失控率，越低越好）");
        assert_eq!(
            (0..4).map(|c| cell_text(&r, (1, c))).collect::<Vec<_>>(),
            ["排名", "名称", "区划代码", "排名依据：失控率（%）"]
        );
        // The sheet is the children, row for row.
        for (k, child) in d.children.iter().enumerate() {
            let row = HEADER_ROW + 1 + k as u32;
            assert_eq!(cell_number(&r, (row, 0)), child.rank.map(f64::from), "rank of {}", child.jurisdiction.name);
            assert_eq!(cell_text(&r, (row, 1)), child.jurisdiction.name);
            assert_eq!(cell_text(&r, (row, 2)), export::short_code(&child.jurisdiction.code));
            assert_eq!(cell_number(&r, (row, 3)), child.rank_figure.value);
            for (c, fig) in child.figures.iter().enumerate() {
                assert_eq!(cell_number(&r, (row, 4 + c as u32)), fig.value, "{} column {c}", child.jurisdiction.name);
            }
        }
        assert_eq!(r.end().unwrap().0, HEADER_ROW + d.children.len() as u32, "nothing below the children");
        let ranks: Vec<Option<f64>> = (0..4).map(|k| cell_number(&r, (2 + k, 0))).collect();
        assert_eq!(ranks, [Some(1.0), Some(1.0), Some(3.0), None]);

        let r = wb.worksheet_range("总体情况").unwrap();
        let loss = (2..).find(|row| cell_text(&r, (*row, 0)) == "失控率").unwrap();
        assert_eq!(cell_number(&r, (loss, 1)), Some(20.0));
        assert_eq!(cell_text(&r, (loss, 2)), "%");
        assert_eq!((cell_number(&r, (loss, 3)), cell_number(&r, (loss, 4))), (Some(0.0), Some(20.0)));
        assert_eq!((cell_text(&r, (loss, 5)), cell_number(&r, (loss, 6))), ("不高于".into(), Some(5.0)));
        assert_eq!(cell_text(&r, (loss, 7)), "未达标");
        let end = HEADER_ROW + Indicator::ALL.len() as u32;
        assert_eq!(cell_text(&r, (end + 2, 1)), "珠晖区禁毒委员会办公室");
        assert_eq!(cell_text(&r, (end + 3, 1)), "2026年11月29日");

        let r = wb.worksheet_range("滞后单位").unwrap();
        let rows: Vec<(String, String, String)> = (2..=r.end().unwrap().0)
            .map(|row| (cell_text(&r, (row, 0)), cell_text(&r, (row, 1)), cell_text(&r, (row, 3))))
            .collect();
        let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            rows,
            [
                row("排名靠后", "广东路街道", "失控率（%）"),
                row("无排名数据", "茶山坳镇", "失控率（%）"),
                row("未达标", "广东路街道", "失控人数（人）"),
                row("未达标", "广东路街道", "失控率（%）"),
                row("未达标", "广东路街道", "管控率（%）"),
            ]
        );
        assert_eq!(
            (cell_number(&r, (2, 4)), cell_number(&r, (2, 7)), cell_number(&r, (2, 8))),
            (Some(50.0), Some(3.0), Some(3.0))
        );

        // Title and headers frozen on every sheet; no demo mark on real data.
        for n in 1..=3 {
            let s = zip_part(&bytes, &format!("xl/worksheets/sheet{n}.xml"));
            assert!(s.contains(r#"ySplit="2""#) && s.contains(r#"state="frozen""#), "sheet {n}");
        }
        assert!(!zip_part(&bytes, "xl/sharedStrings.xml").contains("演示数据"));

        let mut wb = open(&bulletin_xlsx(&d, true, issued()).unwrap());
        for name in ["总体情况", "排名", "滞后单位"] {
            let r = wb.worksheet_range(name).unwrap();
            assert!(cell_text(&r, (0, 0)).starts_with("【演示数据】珠晖区"), "{name}");
            assert!(
                (2..=r.end().unwrap().0).any(|row| r.get_value((row, 0)) == Some(&Data::String("演示数据".into())))
            );
        }
    }

    /// Converts the document with LibreOffice, as a reader without Word would open it. Skipped
    /// (with a line saying so) where `soffice` is missing, unless `JINDU_REQUIRE_LIBREOFFICE=1`
    /// (CI), where its absence fails the test. `JINDU_BULLETIN_PDF=<path>` keeps the PDF.
    #[test]
    fn libreoffice_converts_the_document_to_a_pdf() {
        if Command::new("soffice").arg("--version").output().is_err() {
            if std::env::var("JINDU_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
                panic!("soffice is not installed but JINDU_REQUIRE_LIBREOFFICE=1");
            }
            println!("skipped: soffice is not installed (apt-get install libreoffice-writer-nogui)");
            return;
        }
        let dir = TempDir::new("jindu-bulletin");
        let dir = &dir.0;
        let docx = dir.join("bulletin.docx");
        std::fs::write(&docx, bulletin_docx(&sample(), true, issued()).unwrap()).unwrap();
        let started = Instant::now();
        let out = run_soffice(dir, &docx);
        let took = started.elapsed();
        assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));
        let pdf = std::fs::read(dir.join("bulletin.pdf")).expect("a PDF next to the document");
        assert!(pdf.starts_with(b"%PDF"));
        if let Ok(keep) = std::env::var("JINDU_BULLETIN_PDF") {
            // For a look at the layout: `JINDU_BULLETIN_PDF=/tmp/b.pdf cargo test … libreoffice`.
            std::fs::write(keep, &pdf).unwrap();
        }
        let pages = pdf_pages(&pdf);
        println!("LibreOffice converted the bulletin to {pages} PDF page(s) in {:.1} s", took.as_secs_f64());
        assert!(pages >= 1, "no page in the PDF");
    }

    /// The PDF LibreOffice makes of `docx`, or `None` (with a line saying so) where `soffice` is
    /// missing and `JINDU_REQUIRE_LIBREOFFICE` is not `1`.
    pub(crate) fn soffice_pdf(docx: &[u8], prefix: &str) -> Option<Vec<u8>> {
        if Command::new("soffice").arg("--version").output().is_err() {
            if std::env::var("JINDU_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
                panic!("soffice is not installed but JINDU_REQUIRE_LIBREOFFICE=1");
            }
            println!("skipped: soffice is not installed (apt-get install libreoffice-writer-nogui)");
            return None;
        }
        let dir = TempDir::new(prefix);
        let dir = &dir.0;
        let path = dir.join("doc.docx");
        std::fs::write(&path, docx).unwrap();
        let out = run_soffice(dir, &path);
        assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));
        let pdf = std::fs::read(dir.join("doc.pdf")).expect("a PDF next to the document");
        assert!(pdf.starts_with(b"%PDF"));
        Some(pdf)
    }

    /// One conversion at a time in this process: two LibreOffice first starts in parallel (each
    /// with a fresh profile of its own, so that a running LibreOffice cannot lock it) aborted one
    /// of them in CI ("Unspecified Application Error"). A failed start is tried once more.
    fn run_soffice(dir: &std::path::Path, docx: &std::path::Path) -> std::process::Output {
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let run = || {
            Command::new("soffice")
                .arg(format!("-env:UserInstallation=file://{}", dir.join("profile").display()))
                .args(["--headless", "--convert-to", "pdf", "--outdir"])
                .arg(dir)
                .arg(docx)
                .output()
                .unwrap()
        };
        let out = run();
        if out.status.success() { out } else { run() }
    }

    /// Page objects in a PDF: `/Type /Page` (spaces optional), not `/Type /Pages`.
    pub(crate) fn pdf_pages(pdf: &[u8]) -> usize {
        let body = String::from_utf8_lossy(pdf);
        body.match_indices("/Type")
            .filter(|(i, _)| {
                let rest = body[i + "/Type".len()..].trim_start();
                rest.strip_prefix("/Page").is_some_and(|after| !after.starts_with(|c: char| c.is_ascii_alphanumeric()))
            })
            .count()
    }

    #[test]
    fn pdf_pages_are_counted_with_or_without_spaces() {
        assert_eq!(pdf_pages(b"<</Type/Pages/Count 2>> <</Type/Page/Parent 1 0 R>> <</Type /Page /X 1>>"), 2);
    }

    /// A directory of its own under the system's temporary directory, removed when dropped.
    pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

    impl TempDir {
        pub(crate) fn new(prefix: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
