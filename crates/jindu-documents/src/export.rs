//! 导出 the 驾驶舱 of one jurisdiction and period as an Excel workbook ([`dashboard_xlsx`]) and
//! as JSON ([`dashboard_json`]). Both read a [`Dashboard`] already built by the store (by
//! `dashboard` for a signed-in viewer, by `dashboard_of` for `jindu report indicators`), so the
//! figures are exactly those of the page.
//!
//! The workbook has four sheets: 指标 (every indicator with its value, target, 同期, change,
//! whether it meets the target, formula and source), 下级排名 (the jurisdictions below, ranked),
//! 趋势 (12 months of the trend indicators) and 缴获毒品 (seizures by drug kind in grams). Each
//! sheet has a title row naming the jurisdiction and period, the column headers in row 2, both
//! frozen; values are numbers with the indicator's number format (rates to one decimal, as
//! percentages: 20.0 means 20.0 %), and “—” where a rate has no value (a zero denominator).

use jindu_domain::indicator::{Direction, Figure, Indicator, Unit};
use jindu_domain::{DivisionCode, DivisionLevel};
use jindu_store::service::dashboard::{CHILD_COLUMNS, Dashboard, FigureRow};
use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};
use serde_json::{Value, json};

use crate::sheet::{
    Formats, HEADER_ROW, LINE_HEIGHT, col, demo_line, lines_in, start_sheet, t, write_rank, write_value,
};

/// The workbook or document could not be written (an internal fault, never the user's input).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An `.xlsx` workbook.
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// The Word document of a 通报 ([`crate::bulletin::bulletin_docx`]).
    #[error("writing the document: {0}")]
    Docx(#[from] docx_rs::DocxError),
}

/// Stable code of a unit (JSON).
fn unit_code(u: Unit) -> &'static str {
    match u {
        Unit::Persons => "persons",
        Unit::PersonTimes => "person_times",
        Unit::Times => "times",
        Unit::Percent => "percent",
        Unit::Count => "count",
        Unit::Cases => "cases",
        Unit::PerWorker => "per_worker",
        Unit::Grams => "grams",
    }
}

fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "higher_is_better",
        Direction::LowerIsBetter => "lower_is_better",
    }
}

/// A unit's label in `lang` (`人`, `%`; `persons`, `%`).
pub fn unit_label(u: Unit, lang: &str) -> &'static str {
    if lang == "en" { u.label_en() } else { u.label_zh() }
}

/// A column header from an indicator: its name with the unit, e.g. `失控率（%）`, `在册人数（人）`.
pub fn indicator_header(i: Indicator, lang: &str) -> String {
    let d = i.definition();
    let unit = unit_label(d.unit, lang);
    match (unit.is_empty(), lang == "en") {
        (true, _) => d.label(lang).to_string(),
        (false, true) => format!("{} ({unit})", d.label_en),
        (false, false) => format!("{}（{unit}）", d.label_zh),
    }
}

/// The 12-digit code in its short form (`430405`), or as stored for the country.
pub fn short_code(code: &str) -> String {
    DivisionCode::parse(code).map(|c| c.prefix()).unwrap_or_else(|_| code.to_string())
}

/// What the jurisdictions below one of `level` are called, plural: `各街道（乡镇）`, `Towns and
/// streets`; empty below a community.
pub fn level_label(level: Option<DivisionLevel>, lang: &str) -> String {
    let en = lang == "en";
    match level {
        None => if en { "Provinces" } else { "各省" }.to_string(),
        Some(DivisionLevel::Province) => if en { "Cities" } else { "各市" }.to_string(),
        Some(DivisionLevel::City) => if en { "Counties" } else { "各区县" }.to_string(),
        Some(DivisionLevel::County) => if en { "Towns and streets" } else { "各街道（乡镇）" }.to_string(),
        Some(DivisionLevel::Town) => if en { "Communities" } else { "各社区（村）" }.to_string(),
        Some(DivisionLevel::Village) => String::new(),
    }
}

/// File name of the workbook: `indicators-430405-2026-10.xlsx`.
pub fn xlsx_file_name(d: &Dashboard) -> String {
    format!("indicators-{}-{}.xlsx", short_code(&d.jurisdiction.code), d.period.code())
}

/// The title row of a sheet: `【演示数据】珠晖区（430405） 2026年10月 {what}` (the mark only for demo
/// data).
pub fn title_of(d: &Dashboard, lang: &str, what: &str, demo: bool) -> String {
    let place = format!("{}（{}）", d.jurisdiction.name, short_code(&d.jurisdiction.code));
    let mark = if demo { t(lang, "【演示数据】", "[Demo data] ") } else { "" };
    format!("{mark}{place} {} {what}", period_label(d, lang))
}

/// The period's label, with the partial mark when it is not over (`2026年12月（截至12月6日）`).
pub fn period_label(d: &Dashboard, lang: &str) -> String {
    match d.as_of {
        Some(day) => d.period.label_on(day, lang),
        None => d.period.label(lang),
    }
}

/// Whether a figure meets its target: 达标, 未达标, or “—” without a target or a value.
pub fn verdict(r: &FigureRow, lang: &str) -> &'static str {
    if r.target.is_none() || r.figure.value.is_none() {
        "—"
    } else if r.misses {
        t(lang, "未达标", "Missed")
    } else {
        t(lang, "达标", "Met")
    }
}

/// The 驾驶舱 as an `.xlsx` workbook: sheets 指标, 下级排名, 趋势, 缴获毒品 (English names and
/// headers when `lang` is `"en"`); `demo` marks every sheet 演示数据.
///
/// # Errors
/// [`ExportError`] if the workbook cannot be assembled (an internal fault).
pub fn dashboard_xlsx(d: &Dashboard, lang: &str, demo: bool) -> Result<Vec<u8>, ExportError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(title_of(d, lang, t(lang, "禁毒工作指标", "drug-control indicators"), demo))
            .set_author("Jindu")
            .set_comment(d.period.code()),
    );
    indicators_sheet(wb.add_worksheet(), d, lang, demo, &f)?;
    ranking_sheet(wb.add_worksheet(), d, lang, t(lang, "下级排名", "Ranking"), RankedOn::Last, demo, &f)?;
    trends_sheet(wb.add_worksheet(), d, lang, demo, &f)?;
    seizures_sheet(wb.add_worksheet(), d, lang, demo, &f)?;
    Ok(wb.save_to_buffer()?)
}

/// Widths of the wrapped columns of 指标.
const FORMULA_WIDTH: f64 = 50.0;
const SOURCE_WIDTH: f64 = 40.0;

fn indicators_sheet(ws: &mut Worksheet, d: &Dashboard, lang: &str, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let before = d.period.year_before().label(lang);
    let columns = [
        (t(lang, "指标", "Indicator").to_string(), 22.0),
        (t(lang, "显示值", "As shown").to_string(), 11.0),
        (t(lang, "数值", "Value").to_string(), 11.0),
        (t(lang, "单位", "Unit").to_string(), 8.0),
        (t(lang, "分子", "Numerator").to_string(), 10.0),
        (t(lang, "分母", "Denominator").to_string(), 11.0),
        (t(lang, "目标值", "Target").to_string(), 9.0),
        (format!("{}（{before}）", t(lang, "同期", "Year before")), 13.0),
        (t(lang, "同比变化（率为百分点）", "Change (rates: points)").to_string(), 13.0),
        (t(lang, "达标情况", "Target").to_string(), 9.0),
        (t(lang, "计算公式", "Formula").to_string(), FORMULA_WIDTH),
        (t(lang, "来源", "Source").to_string(), SOURCE_WIDTH),
        (t(lang, "代码", "Code").to_string(), 22.0),
    ];
    let title = title_of(d, lang, t(lang, "禁毒工作指标", "drug-control indicators"), demo);
    start_sheet(ws, t(lang, "指标", "Indicators"), &title, &columns, f)?;
    let mut row = HEADER_ROW + 1;
    for r in &d.figures {
        let def = r.indicator.definition();
        let num = Formats::number(def.unit);
        ws.write_string_with_format(row, 0, def.label(lang), &f.text)?;
        ws.write_string_with_format(row, 1, r.figure.display(def.unit), &f.right)?;
        write_value(ws, row, 2, r.figure.value, &num, f)?;
        ws.write_string(row, 3, unit_label(def.unit, lang))?;
        if matches!(def.unit, Unit::Percent | Unit::PerWorker) {
            ws.write_number(row, 4, r.figure.numerator as f64)?;
            ws.write_number(row, 5, r.figure.denominator as f64)?;
        }
        if let Some(target) = r.target {
            ws.write_number_with_format(row, 6, target, &num)?;
        }
        write_value(ws, row, 7, r.year_before.value, &num, f)?;
        write_value(ws, row, 8, r.change(), &Formats::signed(def.unit), f)?;
        let v = verdict(r, lang);
        ws.write_string_with_format(row, 9, v, if r.misses { &f.missed } else { &f.center })?;
        ws.write_string_with_format(row, 10, def.formula_zh, &f.wrap)?;
        ws.write_string_with_format(row, 11, def.source, &f.wrap)?;
        ws.write_string(row, 12, def.code)?;
        let lines = lines_in(def.formula_zh, FORMULA_WIDTH).max(lines_in(def.source, SOURCE_WIDTH));
        if lines > 1 {
            ws.set_row_height(row, LINE_HEIGHT * f64::from(lines))?;
        }
        row += 1;
    }
    if demo {
        demo_line(ws, row + 1, lang, f)?;
    }
    ws.set_active(true);
    Ok(())
}

/// `越高越好` / `越低越好` (`higher is better` / `lower is better`): which way an indicator ranks.
pub(crate) fn direction_label(i: Indicator, lang: &str) -> &'static str {
    match i.definition().direction {
        Direction::HigherIsBetter => t(lang, "越高越好", "higher is better"),
        Direction::LowerIsBetter => t(lang, "越低越好", "lower is better"),
    }
}

/// Where the ranking figure's column stands in a [`ranking_sheet`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RankedOn {
    /// Right after the code, before [`CHILD_COLUMNS`] (the 通报's 排名 sheet).
    First,
    /// After [`CHILD_COLUMNS`] (the 驾驶舱 workbook's 下级排名 sheet).
    Last,
}

/// The sheet `name` ranking the jurisdictions below: 排名 (ties share a rank, “—” without one),
/// 名称, 区划代码, the ranking figure (where `ranked_on` says) and [`CHILD_COLUMNS`]; the 驾驶舱
/// workbook and the 通报's workbook both write it.
pub(crate) fn ranking_sheet(
    ws: &mut Worksheet,
    d: &Dashboard,
    lang: &str,
    name: &str,
    ranked_on: RankedOn,
    demo: bool,
    f: &Formats,
) -> Result<(), XlsxError> {
    let by = d.rank_by.definition();
    let mut columns = vec![
        (t(lang, "排名", "Rank").to_string(), 7.0),
        (t(lang, "名称", "Name").to_string(), 22.0),
        (t(lang, "区划代码", "Division code").to_string(), 15.0),
    ];
    let by_column = (format!("{}{}", t(lang, "排名依据：", "Ranked on: "), indicator_header(d.rank_by, lang)), 16.0);
    let figures = CHILD_COLUMNS.iter().map(|i| (indicator_header(*i, lang), 12.0));
    let (by_col, first_figure) = match ranked_on {
        RankedOn::First => {
            columns.push(by_column);
            columns.extend(figures);
            (3, 4)
        }
        RankedOn::Last => {
            columns.extend(figures);
            columns.push(by_column);
            (3 + CHILD_COLUMNS.len(), 3)
        }
    };
    let order = direction_label(d.rank_by, lang);
    let what = if lang == "en" {
        format!("ranking of the divisions below on {} ({order})", by.label_en)
    } else {
        format!("下级排名（按{}，{order}）", by.label_zh)
    };
    let title = title_of(d, lang, &what, demo);
    start_sheet(ws, name, &title, &columns, f)?;
    let mut row = HEADER_ROW + 1;
    for child in &d.children {
        write_rank(ws, row, 0, child.rank, f)?;
        ws.write_string(row, 1, &child.jurisdiction.name)?;
        ws.write_string(row, 2, short_code(&child.jurisdiction.code))?;
        write_value(ws, row, col(by_col), child.rank_figure.value, &Formats::number(by.unit), f)?;
        for (k, (i, fig)) in CHILD_COLUMNS.iter().zip(&child.figures).enumerate() {
            write_value(ws, row, col(first_figure + k), fig.value, &Formats::number(i.definition().unit), f)?;
        }
        row += 1;
    }
    if d.children.is_empty() {
        ws.write_string(row, 1, t(lang, "无下级区划", "No divisions below"))?;
        row += 1;
    }
    if demo {
        demo_line(ws, row + 1, lang, f)?;
    }
    Ok(())
}

fn trends_sheet(ws: &mut Worksheet, d: &Dashboard, lang: &str, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let mut columns = vec![(t(lang, "月份", "Month").to_string(), 12.0)];
    columns.extend(d.trends.iter().map(|(i, _)| (indicator_header(*i, lang), 14.0)));
    let title = title_of(d, lang, t(lang, "近12个月趋势", "12-month trends"), demo);
    start_sheet(ws, t(lang, "趋势", "Trends"), &title, &columns, f)?;
    let months: Vec<_> = d.trends.first().map(|(_, s)| s.iter().map(|(m, _)| *m).collect()).unwrap_or_default();
    let mut row = HEADER_ROW + 1;
    for (k, m) in months.iter().enumerate() {
        // The current month is marked 截至… (issue #18, item 17).
        let month = jindu_domain::indicator::Period::Month(*m);
        let label = match d.month_as_of(*m) {
            Some(day) => month.label_on(day, lang),
            None => month.label(lang),
        };
        ws.write_string(row, 0, label)?;
        for (c, (i, series)) in d.trends.iter().enumerate() {
            let v = series.get(k).and_then(|(_, fig)| fig.value);
            write_value(ws, row, col(1 + c), v, &Formats::number(i.definition().unit), f)?;
        }
        row += 1;
    }
    if demo {
        demo_line(ws, row + 1, lang, f)?;
    }
    Ok(())
}

fn seizures_sheet(ws: &mut Worksheet, d: &Dashboard, lang: &str, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let before = d.period.year_before().label(lang);
    let columns = [
        (t(lang, "毒品种类", "Drug").to_string(), 20.0),
        (format!("{}（{}）", t(lang, "本期（克）", "This period (g)"), d.period.label(lang)), 20.0),
        (format!("{}（{before}）", t(lang, "同期（克）", "Year before (g)")), 20.0),
        (t(lang, "变化（克）", "Change (g)").to_string(), 14.0),
    ];
    let title = title_of(d, lang, t(lang, "缴获毒品", "drugs seized"), demo);
    start_sheet(ws, t(lang, "缴获毒品", "Seizures"), &title, &columns, f)?;
    let grams = Formats::number(Unit::Grams);
    let signed = Formats::signed(Unit::Grams);
    let mut row = HEADER_ROW + 1;
    let (mut now, mut then) = (0i64, 0i64);
    for (kind, mg, mg_before) in &d.seizures {
        ws.write_string(row, 0, kind.label(lang))?;
        ws.write_number_with_format(row, 1, *mg as f64 / 1000.0, &grams)?;
        ws.write_number_with_format(row, 2, *mg_before as f64 / 1000.0, &grams)?;
        ws.write_number_with_format(row, 3, (mg - mg_before) as f64 / 1000.0, &signed)?;
        now += mg;
        then += mg_before;
        row += 1;
    }
    let bold = Format::new().set_bold();
    ws.write_string_with_format(row, 0, t(lang, "合计", "Total"), &bold)?;
    ws.write_number_with_format(row, 1, now as f64 / 1000.0, &grams.clone().set_bold())?;
    ws.write_number_with_format(row, 2, then as f64 / 1000.0, &grams.set_bold())?;
    ws.write_number_with_format(row, 3, (now - then) as f64 / 1000.0, &signed.set_bold())?;
    if demo {
        demo_line(ws, row + 2, lang, f)?;
    }
    Ok(())
}

fn figure_json(fig: &Figure, unit: Unit) -> Value {
    json!({
        "value": fig.value,
        "numerator": fig.numerator,
        "denominator": fig.denominator,
        "display": fig.display(unit),
    })
}

/// The 驾驶舱 as JSON: the jurisdiction, the period (code and labels), every indicator
/// `{code, label_zh, label_en, unit, value, numerator, denominator, display, target, direction,
/// misses, year_before, change}`, the ranking of the jurisdictions below, the trends and the
/// seizures in grams (and milligrams, exact). Values of rates are percentages (20.0 is 20 %);
/// `null` where a rate has no value.
pub fn dashboard_json(d: &Dashboard) -> Value {
    let jurisdiction = |j: &jindu_store::service::dashboard::Jurisdiction| {
        json!({
            "code": short_code(&j.code),
            "code12": j.code,
            "name": j.name,
            "level": j.level.map(|l| l.as_code()),
        })
    };
    let period = |p: jindu_domain::indicator::Period| json!({ "code": p.code(), "label_zh": p.label_zh(), "label_en": p.label_en() });
    let as_of = d.as_of.map(|day| {
        json!({
            "date": day.to_string(),
            "label_zh": jindu_domain::indicator::as_of_label(day, "zh-CN"),
            "label_en": jindu_domain::indicator::as_of_label(day, "en"),
        })
    });
    let indicators: Vec<Value> = d
        .figures
        .iter()
        .map(|r| {
            let def = r.indicator.definition();
            json!({
                "code": def.code,
                "label_zh": def.label_zh,
                "label_en": def.label_en,
                "unit": unit_code(def.unit),
                "value": r.figure.value,
                "numerator": r.figure.numerator,
                "denominator": r.figure.denominator,
                "display": r.figure.display(def.unit),
                "target": r.target,
                "direction": direction_code(def.direction),
                "misses": r.misses,
                "year_before": figure_json(&r.year_before, def.unit),
                "change": r.change(),
                "formula_zh": def.formula_zh,
                "source": def.source,
            })
        })
        .collect();
    let by_unit = d.rank_by.definition().unit;
    let children: Vec<Value> = d
        .children
        .iter()
        .map(|c| {
            let figures: serde_json::Map<String, Value> = CHILD_COLUMNS
                .iter()
                .zip(&c.figures)
                .map(|(i, fig)| (i.code().to_string(), figure_json(fig, i.definition().unit)))
                .collect();
            json!({
                "rank": c.rank,
                "jurisdiction": jurisdiction(&c.jurisdiction),
                "rank_figure": figure_json(&c.rank_figure, by_unit),
                "figures": figures,
            })
        })
        .collect();
    let trends: Vec<Value> = d
        .trends
        .iter()
        .map(|(i, series)| {
            let unit = i.definition().unit;
            json!({
                "indicator": i.code(),
                "label_zh": i.definition().label_zh,
                "label_en": i.definition().label_en,
                "unit": unit_code(unit),
                "months": series
                    .iter()
                    .map(|(m, fig)| {
                        let mut v = figure_json(fig, unit);
                        if let Some(o) = v.as_object_mut() {
                            o.insert("month".into(), Value::String(m.to_string()));
                            o.insert("partial".into(), Value::Bool(d.month_as_of(*m).is_some()));
                        }
                        v
                    })
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let seizures: Vec<Value> = d
        .seizures
        .iter()
        .map(|(kind, mg, mg_before)| {
            json!({
                "kind": kind.as_code(),
                "label_zh": kind.label_zh(),
                "label_en": kind.label_en(),
                "grams": *mg as f64 / 1000.0,
                "grams_year_before": *mg_before as f64 / 1000.0,
                "mg": mg,
                "mg_year_before": mg_before,
            })
        })
        .collect();
    json!({
        "jurisdiction": jurisdiction(&d.jurisdiction),
        "trail": d.trail.iter().map(jurisdiction).collect::<Vec<_>>(),
        "period": period(d.period),
        "partial": d.as_of.is_some(),
        "as_of": as_of,
        "year_before": period(d.period.year_before()),
        "rank_by": d.rank_by.code(),
        "worker_ratio": d.settings.worker_ratio,
        "indicators": indicators,
        "children": children,
        "trends": trends,
        "seizures": seizures,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use calamine::{Data, Reader};
    use jindu_domain::indicator::{CellKey, IndicatorSettings, Month, Period, ScopeCells, evaluate};
    use jindu_domain::{ControlStatus, Substance};
    use jindu_store::service::dashboard::TRENDS;

    use super::*;
    use crate::testing::{OCT, cell_number, cell_text as text, cells, child, figures, open, zhuhui, zip_part};

    /// A district at the end of October 2026, built as `dashboard_of` builds it: 在控 8 and
    /// 失控 2 (lost in July) → 失控率 20.0 %; a year before 10 under control, none lost → 0.0 %;
    /// two towns below, 东风街道 with no one lost ranks first, 广东路街道 (1 of 2 lost) second,
    /// 茶山坳镇 without persons unranked; 1.5 g of heroin seized, 0.5 g a year before.
    fn sample() -> Dashboard {
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let lost = CellKey::Status(ControlStatus::LostContact);
        let heroin = CellKey::Seized(Substance::Heroin);
        let district = cells(&[
            (uc, 202401, 10),
            (uc, 202607, -2),
            (lost, 202607, 2),
            (heroin, 202610, 1500),
            (heroin, 202510, 500),
        ]);
        let settings = IndicatorSettings::default();
        let figures = figures(&district, &settings);
        let trends = TRENDS
            .iter()
            .map(|i| {
                let series = (0..12)
                    .map(|k| {
                        let m = Month(202610).plus(k - 11);
                        (m, evaluate(*i, &district, Period::Month(m), &settings))
                    })
                    .collect();
                (*i, series)
            })
            .collect();
        let child = |code: &str, name: &str, c: &ScopeCells, rank: Option<u32>| child(code, name, c, &settings, rank);
        let town_a = cells(&[(uc, 202401, 2), (uc, 202607, -1), (lost, 202607, 1)]);
        let town_b = cells(&[(uc, 202401, 3)]);
        let children = vec![
            child("430405010000", "东风街道", &town_b, Some(1)),
            child("430405009000", "广东路街道", &town_a, Some(2)),
            child("430405100000", "茶山坳镇", &ScopeCells::new(), None),
        ];
        let seizures = jindu_domain::indicator::SEIZURE_KINDS
            .iter()
            .map(|s| {
                (*s, district.cell(CellKey::Seized(*s), OCT), district.cell(CellKey::Seized(*s), OCT.year_before()))
            })
            .collect();
        zhuhui(figures, trends, children, seizures, settings)
    }

    /// A cell that must hold a number.
    fn number(r: &calamine::Range<Data>, pos: (u32, u32)) -> f64 {
        cell_number(r, pos).unwrap_or_else(|| panic!("{pos:?}: “—”, not a number"))
    }

    /// The row whose first column is `label`.
    fn row_of(r: &calamine::Range<Data>, label: &str) -> u32 {
        (0..=r.end().unwrap().0).find(|row| r.get_value((*row, 0)) == Some(&Data::String(label.into()))).unwrap()
    }

    fn sheet_xml(bytes: &[u8], n: usize) -> String {
        zip_part(bytes, &format!("xl/worksheets/sheet{n}.xml"))
    }

    #[test]
    fn the_workbook_holds_the_figures_as_numbers_under_chinese_headers() {
        let d = sample();
        let bytes = dashboard_xlsx(&d, "zh-CN", false).unwrap();
        let mut wb = open(&bytes);
        assert_eq!(wb.sheet_names(), ["指标", "下级排名", "趋势", "缴获毒品"]);

        let r = wb.worksheet_range("指标").unwrap();
        assert_eq!(text(&r, (0, 0)), "珠晖区（430405） 2026年10月 禁毒工作指标");
        let headers: Vec<String> = (0..13).map(|c| text(&r, (1, c))).collect();
        assert_eq!(
            headers,
            [
                "指标",
                "显示值",
                "数值",
                "单位",
                "分子",
                "分母",
                "目标值",
                "同期（2025年10月）",
                "同比变化（率为百分点）",
                "达标情况",
                "计算公式",
                "来源",
                "代码"
            ]
        );
        assert_eq!(row_of(&r, "在册人数"), 2, "data starts right below the headers");
        let loss = row_of(&r, "失控率");
        assert_eq!(text(&r, (loss, 1)), "20.0%");
        assert_eq!(number(&r, (loss, 2)), 20.0);
        assert_eq!(text(&r, (loss, 3)), "%");
        assert_eq!((number(&r, (loss, 4)), number(&r, (loss, 5))), (2.0, 10.0));
        assert_eq!(number(&r, (loss, 6)), 5.0);
        assert_eq!(number(&r, (loss, 7)), 0.0);
        assert_eq!(number(&r, (loss, 8)), 20.0);
        assert_eq!(text(&r, (loss, 9)), "未达标");
        assert_eq!(text(&r, (loss, 10)), "失控 ÷（在控 + 失控）× 100%");
        assert_eq!(text(&r, (loss, 12)), "loss_rate");
        let control = row_of(&r, "管控率");
        assert_eq!(number(&r, (control, 2)), 80.0);
        assert_eq!(text(&r, (control, 9)), "未达标");
        assert_eq!(text(&r, (row_of(&r, "失控人数"), 9)), "未达标");
        assert_eq!(number(&r, (row_of(&r, "在册人数"), 2)), 10.0);
        // A rate over nothing has no value: “—”, not 0; no target: no verdict.
        let report = row_of(&r, "报到率");
        assert_eq!(
            (text(&r, (report, 1)), text(&r, (report, 2)), text(&r, (report, 9))),
            ("—".into(), "—".into(), "—".into())
        );
        assert_eq!(text(&r, (row_of(&r, "新发现吸毒人员"), 9)), "—");
        assert_eq!(text(&r, (row_of(&r, "缴获毒品"), 1)), "1.500");
        assert_eq!(number(&r, (row_of(&r, "缴获毒品"), 2)), 1.5);
        assert_eq!(number(&r, (row_of(&r, "缴获毒品"), 8)), 1.0);
        assert_eq!(row_of(&r, "缴获毒品"), 1 + Indicator::ALL.len() as u32, "every indicator, one row each");
        assert!(!(0..=r.end().unwrap().0).any(|row| r.get_value((row, 0)) == Some(&Data::String("演示数据".into()))));
        // Rates carry the one-decimal format, counts the whole-number one.
        let styles = wb.worksheet_style("指标").unwrap();
        let fmt = |pos| styles.get(pos).and_then(|s| s.number_format.clone()).map(|n| n.format_code);
        assert_eq!(fmt((loss, 2)).as_deref(), Some("0.0"));
        assert_eq!(fmt((row_of(&r, "在册人数"), 2)).as_deref(), Some("0"));
        assert_eq!(fmt((row_of(&r, "缴获毒品"), 2)).as_deref(), Some("0.000"));

        let r = wb.worksheet_range("下级排名").unwrap();
        assert_eq!(text(&r, (0, 0)), "珠晖区（430405） 2026年10月 下级排名（按失控率，越低越好）");
        let headers: Vec<String> = (0..12).map(|c| text(&r, (1, c))).collect();
        assert_eq!(
            headers,
            [
                "排名",
                "名称",
                "区划代码",
                "在册人数（人）",
                "失控人数（人）",
                "失控率（%）",
                "管控率（%）",
                "报到率（%）",
                "按期检测率（%）",
                "按期走访率（%）",
                "工作站覆盖率（%）",
                "排名依据：失控率（%）"
            ]
        );
        assert_eq!(
            (number(&r, (2, 0)), text(&r, (2, 1)), text(&r, (2, 2))),
            (1.0, "东风街道".into(), "430405010".into())
        );
        assert_eq!((number(&r, (2, 3)), number(&r, (2, 5)), number(&r, (2, 11))), (3.0, 0.0, 0.0));
        assert_eq!((number(&r, (3, 0)), number(&r, (3, 4)), number(&r, (3, 11))), (2.0, 1.0, 50.0));
        assert_eq!(
            (text(&r, (4, 0)), text(&r, (4, 1)), text(&r, (4, 11))),
            ("—".into(), "茶山坳镇".into(), "—".into())
        );

        let r = wb.worksheet_range("趋势").unwrap();
        assert_eq!(
            (1..5).map(|c| text(&r, (1, c))).collect::<Vec<_>>(),
            ["在册人数（人）", "失控率（%）", "按期检测率（%）", "新发现吸毒人员（人）"]
        );
        assert_eq!(text(&r, (2, 0)), "2025年11月");
        assert_eq!(text(&r, (13, 0)), "2026年10月");
        // 失控率 0.0 % until June, 20.0 % from July.
        assert_eq!((number(&r, (9, 2)), number(&r, (10, 2))), (0.0, 20.0));
        assert_eq!(text(&r, (9, 0)), "2026年6月");

        let r = wb.worksheet_range("缴获毒品").unwrap();
        assert_eq!(text(&r, (1, 0)), "毒品种类");
        let heroin = row_of(&r, "海洛因");
        assert_eq!((number(&r, (heroin, 1)), number(&r, (heroin, 2)), number(&r, (heroin, 3))), (1.5, 0.5, 1.0));
        let total = row_of(&r, "合计");
        assert_eq!(total, 2 + jindu_domain::indicator::SEIZURE_KINDS.len() as u32);
        assert_eq!(number(&r, (total, 1)), 1.5);

        // Title and headers frozen on every sheet.
        for n in 1..=4 {
            let xml = sheet_xml(&bytes, n);
            assert!(xml.contains(r#"ySplit="2""#) && xml.contains(r#"state="frozen""#), "sheet {n}: {xml}");
        }
    }

    #[test]
    fn a_demo_workbook_says_so_on_every_sheet_and_english_is_english() {
        let d = sample();
        let mut wb = open(&dashboard_xlsx(&d, "zh-CN", true).unwrap());
        for name in ["指标", "下级排名", "趋势", "缴获毒品"] {
            let r = wb.worksheet_range(name).unwrap();
            assert!(text(&r, (0, 0)).starts_with("【演示数据】珠晖区"), "{name}");
            let demo = row_of(&r, "演示数据");
            assert!(demo > 2, "{name}: below the data");
            assert!(text(&r, (demo, 1)).contains("虚构"), "{name}");
        }
        let mut wb = open(&dashboard_xlsx(&d, "en", true).unwrap());
        assert_eq!(wb.sheet_names(), ["Indicators", "Ranking", "Trends", "Seizures"]);
        let r = wb.worksheet_range("Indicators").unwrap();
        assert_eq!(text(&r, (1, 0)), "Indicator");
        let loss = row_of(&r, "Loss rate");
        assert_eq!((number(&r, (loss, 2)), text(&r, (loss, 9))), (20.0, "Missed".into()));
        assert!(row_of(&r, "Demo data") > loss);
        let r = wb.worksheet_range("Ranking").unwrap();
        assert_eq!(text(&r, (1, 5)), "Loss rate (%)");
        let r = wb.worksheet_range("Seizures").unwrap();
        assert_eq!(text(&r, (row_of(&r, "Heroin"), 0)), "Heroin");
    }

    #[test]
    fn the_json_has_every_indicator_the_ranking_trends_and_grams() {
        let d = sample();
        let j = dashboard_json(&d);
        assert_eq!(j["jurisdiction"]["code"], "430405");
        assert_eq!(j["jurisdiction"]["name"], "珠晖区");
        assert_eq!(j["jurisdiction"]["level"], "county");
        assert_eq!(j["period"]["code"], "2026-10");
        assert_eq!(j["period"]["label_zh"], "2026年10月");
        assert_eq!(j["year_before"]["code"], "2025-10");
        assert_eq!(j["rank_by"], "loss_rate");
        let list = j["indicators"].as_array().unwrap();
        assert_eq!(list.len(), Indicator::ALL.len());
        let loss = list.iter().find(|i| i["code"] == "loss_rate").unwrap();
        assert_eq!(loss["label_zh"], "失控率");
        assert_eq!(loss["label_en"], "Loss rate");
        assert_eq!(loss["unit"], "percent");
        assert_eq!(loss["value"], 20.0);
        assert_eq!((loss["numerator"].as_i64(), loss["denominator"].as_i64()), (Some(2), Some(10)));
        assert_eq!(loss["display"], "20.0%");
        assert_eq!(loss["target"], 5.0);
        assert_eq!(loss["direction"], "lower_is_better");
        assert_eq!(loss["misses"], true);
        assert_eq!(loss["year_before"]["value"], 0.0);
        assert_eq!(loss["change"], 20.0);
        let report = list.iter().find(|i| i["code"] == "report_rate").unwrap();
        assert!(report["value"].is_null() && report["change"].is_null());
        assert_eq!(report["display"], "—");
        let registered = list.iter().find(|i| i["code"] == "registered").unwrap();
        assert_eq!((registered["value"].as_f64(), registered["target"].is_null()), (Some(10.0), true));
        let kids = j["children"].as_array().unwrap();
        assert_eq!(kids.len(), 3);
        assert_eq!(kids[0]["rank"], 1);
        assert_eq!(kids[0]["jurisdiction"]["name"], "东风街道");
        assert_eq!(kids[1]["rank_figure"]["value"], 50.0);
        assert_eq!(kids[1]["figures"]["lost"]["value"], 1.0);
        assert!(kids[2]["rank"].is_null());
        let trends = j["trends"].as_array().unwrap();
        assert_eq!(trends.len(), 4);
        assert_eq!(trends[1]["indicator"], "loss_rate");
        assert_eq!(trends[1]["months"][11]["month"], "2026-10");
        assert_eq!(trends[1]["months"][11]["value"], 20.0);
        let heroin = j["seizures"].as_array().unwrap().iter().find(|s| s["kind"] == "heroin").unwrap();
        assert_eq!((heroin["grams"].as_f64(), heroin["grams_year_before"].as_f64()), (Some(1.5), Some(0.5)));
        assert_eq!(heroin["mg"], 1500);
        assert_eq!(xlsx_file_name(&d), "indicators-430405-2026-10.xlsx");
    }
}
