//! 考评结果通报: an evaluation run's ranking as a Word document in the official layout of the
//! dashboard's 通报 ([`crate::bulletin`], GB/T 9704-2012) and as an `.xlsx` workbook.
//!
//! The document: the title `关于{run}结果的通报`, an opening sentence naming the scheme, the units
//! and the full marks; 一、考评结果 (the grade counts, the average, and a table of rank, unit,
//! total, grade and each top-level item's points); 二、先进单位 (the units graded 优秀);
//! 三、存在的问题 (（一）一票否决 with the item that triggered it, （二）主要失分 for the units in the
//! bottom third or graded below 合格, each with its three largest losses and their traces);
//! 四、分值调整说明 (every adjustment with its reason), 五、下步要求, then the issuing office and the
//! date the run was published (today for a run not yet published, which is marked 未发布).
//!
//! The workbook: sheet 排名 (one row per unit: rank, name, code, total, computed total,
//! adjustment and reason, grade, veto, and each top-level item's points) and sheet 评分明细 (one
//! row per unit and item: code, title, full points, points earned, basis, the value read and the
//! trace), both with a title row and frozen Chinese headers.

use chrono::NaiveDate;
use docx_rs::{AlignmentType, Paragraph};
use jindu_domain::evaluation::{ItemScore, Points, ScoreBasis};
use jindu_store::service::evaluation::{RunStatus, RunView, UnitResult};
use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::bulletin::{
    Block, Face, TEXT_WIDTH, blank_line, body, body_paragraph, chinese_date, heading, official_document, ranking_grid,
    ranking_rank, run, signature, subheading,
};
use crate::export::{self, ExportError};
use crate::sheet::{self, Formats, HEADER_ROW};

/// The title: `关于2026年度禁毒工作考评结果的通报` (the run's name, with `结果` after it).
pub fn title(r: &RunView) -> String {
    format!("关于{}结果的通报", r.name.trim_end_matches("结果"))
}

/// The issuing office: `{jurisdiction}禁毒委员会办公室`.
pub fn issuing_office(r: &RunView) -> String {
    format!("{}禁毒委员会办公室", r.scope_name)
}

/// File name: `evaluation-430405-2026.docx` (`ext` without the dot).
pub fn file_name(r: &RunView, ext: &str) -> String {
    format!("evaluation-{}-{}.{ext}", export::short_code(&r.scope), r.period.code())
}

/// The top-level items that count in the base (not vetoes, not bonuses): (code, title, points).
fn top_items(r: &RunView) -> Vec<(String, String, Points)> {
    r.scheme
        .items
        .iter()
        .filter(|i| {
            !matches!(
                i.rule,
                Some(jindu_domain::evaluation::Rule::Veto { .. } | jindu_domain::evaluation::Rule::Bonus { .. })
            )
        })
        .map(|i| (i.code.clone(), i.title.clone(), i.points))
        .collect()
}

/// A unit's points on the item `code`, if the item is in its score.
fn earned(u: &UnitResult, code: &str) -> Option<Points> {
    u.score.items.iter().find(|i| i.code == code).map(|i| i.earned)
}

/// The units graded in the top band (优秀 by default), in rank order.
fn excellent(r: &RunView) -> Vec<&UnitResult> {
    let top = r.scheme.bands.first().map(|b| b.label_zh.clone()).unwrap_or_default();
    r.results.iter().filter(|u| !top.is_empty() && u.grade == top && u.score.vetoed_by.is_empty()).collect()
}

/// The units to name for their losses: graded below the second band (基本合格, 不合格 by default)
/// or ranked in the bottom third (rank > ⌈2n/3⌉), not vetoed (those are named apart).
fn lagging(r: &RunView) -> Vec<&UnitResult> {
    let n = r.results.len();
    let cut = (2 * n).div_ceil(3);
    let good: Vec<&str> = r.scheme.bands.iter().take(2).map(|b| b.label_zh.as_str()).collect();
    r.results
        .iter()
        .filter(|u| u.score.vetoed_by.is_empty())
        .filter(|u| !good.contains(&u.grade.as_str()) || u.rank.is_some_and(|k| k as usize > cut))
        .collect()
}

/// A unit's largest losses on scored leaves: (item, points lost), at most `k`, largest first,
/// ties in tree order.
fn losses(u: &UnitResult, k: usize) -> Vec<(&ItemScore, Points)> {
    let mut out: Vec<(&ItemScore, Points)> = u
        .score
        .items
        .iter()
        .filter(|i| !matches!(i.basis, ScoreBasis::Group) && i.max > Points::ZERO && i.earned < i.max)
        .map(|i| (i, i.max - i.earned))
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.1));
    out.truncate(k);
    out
}

/// The titles of the veto items that zeroed a unit, joined with `、`.
fn veto_titles(u: &UnitResult) -> String {
    u.score
        .vetoed_by
        .iter()
        .map(|code| u.score.items.iter().find(|i| &i.code == code).map_or(code.clone(), |i| format!("“{}”", i.title)))
        .collect::<Vec<_>>()
        .join("、")
}

/// Count of units per grade band, in the bands' order: `优秀3个、合格4个、基本合格2个、不合格1个`.
fn grade_counts(r: &RunView) -> String {
    r.scheme
        .bands
        .iter()
        .map(|b| format!("{}{}个", b.label_zh, r.results.iter().filter(|u| u.grade == b.label_zh).count()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The mean of the totals in hundredths, rounded half away from zero.
fn average(r: &RunView) -> Option<Points> {
    let n = i64::try_from(r.results.len()).ok().filter(|n| *n > 0)?;
    let sum: i64 = r.results.iter().map(|u| u.total.0).sum();
    Some(Points((2 * sum + n) / (2 * n)))
}

/// 五、下步要求: the same words in every evaluation bulletin.
const NEXT_STEPS: &str = "各单位要对照考评结果，认真查找失分原因，逐项制定整改措施，明确责任人和完成时限。\
被一票否决和考评等次为基本合格、不合格的单位要向本办书面报告整改情况。\
考评结果将作为年度综合考核和评先评优的重要依据。";

/// The ranking table: 排名, 单位, 总分, 等级, then each top-level item with its points.
fn ranking_table(r: &RunView) -> docx_rs::Table {
    let items = top_items(r);
    let (rank_w, name_w, total_w, grade_w) = (560, 1300, 800, 1000);
    let rest = TEXT_WIDTH - rank_w - name_w - total_w - grade_w;
    let each = if items.is_empty() { rest } else { rest / items.len() };
    let mut grid = vec![rank_w, name_w, total_w, grade_w];
    grid.extend(std::iter::repeat_n(each, items.len()));
    let mut headers = vec!["排名".to_string(), "单位".into(), "总分".into(), "等级".into()];
    headers.extend(items.iter().map(|(_, t, p)| format!("{t}（{p}分）")));
    let rows = r.results.iter().map(|u| {
        let mut texts = vec![
            ranking_rank(u.rank),
            u.unit_name.clone(),
            u.total.to_string(),
            if u.score.vetoed_by.is_empty() { u.grade.clone() } else { format!("{}（否决）", u.grade) },
        ];
        texts.extend(items.iter().map(|(code, _, _)| earned(u, code).map_or_else(|| "—".into(), |p| p.to_string())));
        texts
    });
    ranking_grid(&headers, rows, grid)
}

/// The 考评结果通报 as a Word document (`.docx` bytes) in the layout of the dashboard's 通报
/// (GB/T 9704-2012: A4, 方正小标宋简体 二号 title, 仿宋_GB2312 三号 text on 28 pt lines). `demo` adds
/// 演示数据 under the title; a run not yet published gets `（未发布）`. `issued_on` is the date of
/// the signature block.
///
/// # Errors
/// [`ExportError::Docx`] if the document cannot be assembled (an internal fault).
pub fn docx(r: &RunView, demo: bool, issued_on: NaiveDate) -> Result<Vec<u8>, ExportError> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut p = |x: Paragraph| blocks.push(Block::Paragraph(Box::new(x)));
    let centred = || {
        Paragraph::new().align(AlignmentType::Center).line_spacing(
            docx_rs::LineSpacing::new()
                .line_rule(docx_rs::LineSpacingType::Exact)
                .line(crate::bulletin::LINE_TWIPS)
                .before(0)
                .after(0),
        )
    };
    p(centred().keep_next(true).add_run(run(title(r), Face::Title)));
    if demo {
        p(centred().add_run(run("演示数据", Face::Heading).bold().color("C00000")));
    }
    if r.status != RunStatus::Published {
        p(centred().add_run(run(format!("（{}，未发布）", r.status.label_zh()), Face::Heading).color("C00000")));
    }
    p(blank_line());
    let n = r.results.len();
    let bonus = r.scheme.items.iter().any(|i| matches!(i.rule, Some(jindu_domain::evaluation::Rule::Bonus { .. })));
    p(body(format!(
        "根据《{}》，{}对{}{}个单位{}禁毒工作进行了考评。考评满分{}分{}。现将考评结果通报如下：",
        r.scheme.name,
        issuing_office(r),
        r.scope_name,
        n,
        r.period.label_zh(),
        r.scheme.base_points(),
        if bonus { "，加分项另计" } else { "" }
    )));

    p(heading("一、考评结果"));
    let avg = average(r).map_or_else(|| "—".to_string(), |a| a.to_string());
    p(body(format!(
        "{n}个单位中，{}；平均得分{avg}分。各单位得分及排名见下表（得分相同的单位名次并列）。",
        grade_counts(r)
    )));
    blocks.push(Block::Table(Box::new(ranking_table(r))));
    let mut p = |x: Paragraph| blocks.push(Block::Paragraph(Box::new(x)));

    p(heading("二、先进单位"));
    let top = excellent(r);
    if top.is_empty() {
        p(body("本次考评无考评等次为优秀的单位。"));
    } else {
        let names: Vec<String> = top.iter().map(|u| format!("{}（{}分）", u.unit_name, u.total)).collect();
        let band = r.scheme.bands.first().map_or("优秀", |b| b.label_zh.as_str());
        p(body(format!("{}考评等次为{band}，予以通报表扬。", names.join("、"))));
    }

    p(heading("三、存在的问题"));
    p(subheading("（一）一票否决"));
    let vetoed: Vec<&UnitResult> = r.results.iter().filter(|u| !u.score.vetoed_by.is_empty()).collect();
    if vetoed.is_empty() {
        p(body("本次考评无被一票否决的单位。"));
    }
    for (k, u) in vetoed.iter().enumerate() {
        p(body(format!("{}.{}：因{}被一票否决，考评总分计0分。", k + 1, u.unit_name, veto_titles(u))));
    }
    p(subheading("（二）主要失分"));
    let lag = lagging(r);
    if lag.is_empty() {
        p(body("各单位考评等次均在合格以上，且无排名靠后单位。"));
    }
    for (k, u) in lag.iter().enumerate() {
        let lost: Vec<String> = losses(u, 3)
            .into_iter()
            .map(|(i, pts)| format!("{}失{}分（{}）", i.title, pts, i.trace.trim_end_matches('。')))
            .collect();
        let rank = u.rank.map_or_else(String::new, |x| format!("第{x}名，"));
        let lost = if lost.is_empty() { "无失分项".to_string() } else { lost.join("；") };
        p(body_paragraph(vec![
            run(format!("{}.{}", k + 1, u.unit_name), Face::Body).bold(),
            run(format!("（{rank}{}分，{}）：{lost}。", u.total, u.grade), Face::Body),
        ]));
    }

    p(heading("四、分值调整说明"));
    let adjusted: Vec<&UnitResult> = r.results.iter().filter(|u| u.adjustment != Points::ZERO).collect();
    if adjusted.is_empty() {
        p(body("本次考评未对计算得分作调整。"));
    }
    for (k, u) in adjusted.iter().enumerate() {
        let sign = if u.adjustment > Points::ZERO { "加" } else { "减" };
        let amount = if u.adjustment > Points::ZERO { u.adjustment } else { Points::ZERO - u.adjustment };
        p(body(format!(
            "{}.{}：计算得分{}分，{sign}{amount}分，理由：{}。",
            k + 1,
            u.unit_name,
            u.computed_total,
            u.adjustment_reason.as_deref().unwrap_or("—").trim_end_matches('。')
        )));
    }

    p(heading("五、下步要求"));
    p(body(NEXT_STEPS));
    for x in signature(&issuing_office(r), &chinese_date(issued_on)) {
        p(x);
    }
    official_document(blocks, issued_on)
}

const ZH: &str = "zh-CN";

/// The title row of a sheet: `【演示数据】珠晖区（430405） 2026年 {what}`.
fn sheet_title(r: &RunView, what: &str, demo: bool) -> String {
    let mark = if demo { "【演示数据】" } else { "" };
    let status = if r.status == RunStatus::Published {
        String::new()
    } else {
        format!("（{}，未发布）", r.status.label_zh())
    };
    format!("{mark}{}（{}） {} {what}{status}", r.scope_name, export::short_code(&r.scope), r.name)
}

/// The 考评结果通报 as an `.xlsx` workbook: sheets 排名 and 评分明细 (see the module
/// documentation), points as numbers with two decimals.
///
/// # Errors
/// [`ExportError::Xlsx`] if the workbook cannot be assembled (an internal fault).
pub fn xlsx(r: &RunView, demo: bool, issued_on: NaiveDate) -> Result<Vec<u8>, ExportError> {
    let f = Formats::new();
    let comment = format!("{} {}", r.period.code(), chinese_date(issued_on));
    let mut wb = sheet::official_workbook(&title(r), &issuing_office(r), &comment);
    ranking_sheet(wb.add_worksheet(), r, demo, &f)?;
    detail_sheet(wb.add_worksheet(), r, demo, &f)?;
    Ok(wb.save_to_buffer()?)
}

fn points(ws: &mut Worksheet, row: u32, col: u16, p: Points, fmt: &rust_xlsxwriter::Format) -> Result<(), XlsxError> {
    ws.write_number_with_format(row, col, p.0 as f64 / 100.0, fmt)?;
    Ok(())
}

fn ranking_sheet(ws: &mut Worksheet, r: &RunView, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let items = top_items(r);
    let mut columns = vec![
        ("排名".to_string(), 7.0),
        ("单位".to_string(), 20.0),
        ("区划代码".to_string(), 14.0),
        ("总分".to_string(), 9.0),
        ("计算得分".to_string(), 10.0),
        ("调整".to_string(), 8.0),
        ("调整理由".to_string(), 24.0),
        ("等级".to_string(), 10.0),
        ("一票否决".to_string(), 18.0),
    ];
    columns.extend(items.iter().map(|(_, t, p)| (format!("{t}（{p}分）"), 12.0)));
    sheet::start_sheet(ws, "排名", &sheet_title(r, "考评排名", demo), &columns, f)?;
    let num = rust_xlsxwriter::Format::new().set_num_format("0.00");
    let mut row = HEADER_ROW + 1;
    for u in &r.results {
        sheet::write_rank(ws, row, 0, u.rank, f)?;
        ws.write_string(row, 1, &u.unit_name)?;
        ws.write_string(row, 2, export::short_code(&u.unit_code))?;
        points(ws, row, 3, u.total, &num)?;
        points(ws, row, 4, u.computed_total, &num)?;
        points(ws, row, 5, u.adjustment, &num)?;
        ws.write_string(row, 6, u.adjustment_reason.as_deref().unwrap_or(""))?;
        ws.write_string_with_format(row, 7, &u.grade, &f.center)?;
        if !u.score.vetoed_by.is_empty() {
            ws.write_string_with_format(row, 8, veto_titles(u), &f.missed)?;
        }
        for (k, (code, _, _)) in items.iter().enumerate() {
            if let Some(p) = earned(u, code) {
                points(ws, row, sheet::col(9 + k), p, &num)?;
            }
        }
        row += 1;
    }
    if demo {
        sheet::demo_line(ws, row + 1, ZH, f)?;
    }
    ws.set_active(true);
    Ok(())
}

/// 自动 / 人工 / 待评分 / 无数据 / 小计.
fn basis_label(b: &ScoreBasis) -> &'static str {
    match b {
        ScoreBasis::Auto => "自动",
        ScoreBasis::Manual => "人工",
        ScoreBasis::Pending => "待评分",
        ScoreBasis::NoData => "无数据",
        ScoreBasis::Group => "小计",
    }
}

fn detail_sheet(ws: &mut Worksheet, r: &RunView, demo: bool, f: &Formats) -> Result<(), XlsxError> {
    let columns = [
        ("排名".to_string(), 7.0),
        ("单位".to_string(), 20.0),
        ("项目编号".to_string(), 9.0),
        ("项目".to_string(), 30.0),
        ("分值".to_string(), 8.0),
        ("得分".to_string(), 8.0),
        ("依据".to_string(), 8.0),
        ("取值".to_string(), 10.0),
        ("计算过程".to_string(), 60.0),
    ];
    sheet::start_sheet(ws, "评分明细", &sheet_title(r, "评分明细", demo), &columns, f)?;
    let num = rust_xlsxwriter::Format::new().set_num_format("0.00");
    let mut row = HEADER_ROW + 1;
    for u in &r.results {
        for i in &u.score.items {
            sheet::write_rank(ws, row, 0, u.rank, f)?;
            ws.write_string(row, 1, &u.unit_name)?;
            ws.write_string(row, 2, &i.code)?;
            ws.write_string(row, 3, format!("{}{}", "　".repeat(i.depth), i.title))?;
            points(ws, row, 4, i.max, &num)?;
            points(ws, row, 5, i.earned, &num)?;
            ws.write_string_with_format(row, 6, basis_label(&i.basis), &f.center)?;
            if let Some(v) = i.value.filter(|v| v.is_finite()) {
                ws.write_number(row, 7, v)?;
            }
            ws.write_string(row, 8, &i.trace)?;
            row += 1;
        }
    }
    if demo {
        sheet::demo_line(ws, row + 1, ZH, f)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::BTreeMap;
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    use jindu_domain::evaluation::{
        EvaluationScheme, ManualScore, Rule, SchemeItem, Source, Subject, UnitInputs, default_bands, rank_totals,
        score_unit,
    };
    use jindu_domain::indicator::{Indicator, Period};

    use super::*;
    use crate::bulletin::tests::{document_xml, paragraphs, pdf_pages, soffice_pdf, text};

    fn item(code: &str, title: &str, points: i64, rule: Option<Rule>, children: Vec<SchemeItem>) -> SchemeItem {
        SchemeItem {
            code: code.into(),
            title: title.into(),
            points: Points::whole(points),
            rule,
            note: String::new(),
            children,
        }
    }

    /// 组织领导 40 (two manual items of 20), 管控 60 (−2 per lost person, capped at 10; a manual
    /// 50), a manual veto.
    fn scheme() -> EvaluationScheme {
        EvaluationScheme {
            name: "测试考评方案".into(),
            subject: Subject::Towns,
            items: vec![
                item(
                    "1",
                    "组织领导",
                    40,
                    None,
                    vec![
                        item("1.1", "会议部署", 20, Some(Rule::Manual), vec![]),
                        item("1.2", "责任落实", 20, Some(Rule::Manual), vec![]),
                    ],
                ),
                item(
                    "2",
                    "管控工作",
                    60,
                    None,
                    vec![
                        item(
                            "2.1",
                            "失控人员",
                            10,
                            Some(Rule::Deduction {
                                source: Source::Value { indicator: Indicator::Lost },
                                each: Points::whole(2),
                                cap: Some(Points::whole(10)),
                            }),
                            vec![],
                        ),
                        item("2.2", "帮扶管控", 50, Some(Rule::Manual), vec![]),
                    ],
                ),
                item("9", "重大涉毒案事件", 0, Some(Rule::Veto { source: None }), vec![]),
            ],
            bands: default_bands(),
        }
    }

    /// 甲 91 and 乙 91 tie first (优秀); 丙 70 + 2 adjusted = 72, third (基本合格), losing 10 on
    /// 失控人员 (7 lost, capped), 10 on 帮扶管控 and 5 on 会议部署; 丁 100 but vetoed: 0, fourth.
    fn sample(status: RunStatus) -> RunView {
        let s = scheme();
        let units = [
            ("430405001000", "甲街道", [20, 18, 45, 0], 1.0),
            ("430405002000", "乙街道", [20, 19, 42, 0], 0.0),
            ("430405003000", "丙街道", [15, 15, 40, 0], 7.0),
            ("430405004000", "丁街道", [20, 20, 50, 1], 0.0),
        ];
        let mut results: Vec<UnitResult> = units
            .iter()
            .map(|(code, name, manual, lost)| {
                let mut inputs =
                    UnitInputs { values: BTreeMap::from([(Indicator::Lost, Some(*lost))]), ..Default::default() };
                for (c, p) in ["1.1", "1.2", "2.2", "9"].iter().zip(manual) {
                    let note = if *c == "9" && *p > 0 { "发生制毒案件".into() } else { String::new() };
                    inputs.manual.insert((*c).into(), ManualScore { points: Points::whole(*p), note });
                }
                let score = score_unit(&s, &inputs);
                let (adjustment, reason) = if *name == "丙街道" {
                    (Points::whole(2), Some("补报材料经核实".to_string()))
                } else {
                    (Points::ZERO, None)
                };
                UnitResult {
                    unit_code: (*code).into(),
                    unit_name: (*name).into(),
                    computed_total: score.total,
                    total: score.total + adjustment,
                    adjustment,
                    adjustment_reason: reason,
                    score,
                    rank: None,
                    grade: String::new(),
                }
            })
            .collect();
        let ranks = rank_totals(&results.iter().map(|u| u.total).collect::<Vec<_>>());
        for (u, r) in results.iter_mut().zip(ranks) {
            u.rank = Some(r);
            u.grade = s.grade(u.total).unwrap().label_zh.clone();
        }
        results.sort_by_key(|u| u.rank);
        RunView {
            id: uuid::Uuid::nil(),
            name: "2026年度禁毒工作考评".into(),
            period: Period::parse("2026").unwrap(),
            scope: "430405000000".into(),
            scope_name: "珠晖区".into(),
            status,
            scheme: s,
            computed_at: chrono::DateTime::UNIX_EPOCH,
            published_at: None,
            results,
        }
    }

    fn issued() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn the_sample_scores_as_worked_out_by_hand() {
        let r = sample(RunStatus::Published);
        let got: Vec<(&str, String, Option<u32>, &str)> =
            r.results.iter().map(|u| (u.unit_name.as_str(), u.total.to_string(), u.rank, u.grade.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("甲街道", "91".into(), Some(1), "优秀"),
                ("乙街道", "91".into(), Some(1), "优秀"),
                ("丙街道", "72".into(), Some(3), "基本合格"),
                ("丁街道", "0".into(), Some(4), "不合格"),
            ]
        );
        assert_eq!(average(&r), Some(Points(6350)));
        assert_eq!(grade_counts(&r), "优秀2个、合格0个、基本合格1个、不合格1个");
        let lag: Vec<&str> = lagging(&r).iter().map(|u| u.unit_name.as_str()).collect();
        assert_eq!(lag, vec!["丙街道"], "丁 is named under 一票否决, not among the losses");
        let bing = &r.results[2];
        let lost: Vec<(&str, String)> =
            losses(bing, 3).into_iter().map(|(i, p)| (i.code.as_str(), p.to_string())).collect();
        assert_eq!(lost, vec![("2.1", "10".into()), ("2.2", "10".into()), ("1.1", "5".into())]);
    }

    #[test]
    fn the_document_says_the_ranking_the_vetoes_the_losses_and_the_adjustments() {
        let xml = document_xml(&docx(&sample(RunStatus::Published), true, issued()).unwrap());
        let texts: Vec<String> = paragraphs(&xml).into_iter().map(text).collect();
        let at = |needle: &str| {
            texts.iter().position(|t| t == needle).unwrap_or_else(|| panic!("no «{needle}» in {texts:#?}"))
        };
        let title = at("关于2026年度禁毒工作考评结果的通报");
        assert_eq!(texts[title + 1], "演示数据");
        assert!(texts.iter().any(|t| t
            == "根据《测试考评方案》，珠晖区禁毒委员会办公室对珠晖区4个单位2026年禁毒工作进行了考评。考评满分100分。现将考评结果通报如下："));
        assert!(texts.contains(
            &"4个单位中，优秀2个、合格0个、基本合格1个、不合格1个；平均得分63.5分。各单位得分及排名见下表（得分相同的单位名次并列）。"
                .to_string()
        ));
        assert!(texts.contains(&"甲街道（91分）、乙街道（91分）考评等次为优秀，予以通报表扬。".to_string()));
        assert!(texts.contains(&"1.丁街道：因“重大涉毒案事件”被一票否决，考评总分计0分。".to_string()));
        let bing = texts.iter().find(|t| t.starts_with("1.丙街道")).unwrap();
        assert!(bing.starts_with("1.丙街道（第3名，72分，基本合格）：失控人员失10分（失控人数 = 7；"), "{bing}");
        assert!(bing.ends_with("；帮扶管控失10分（人工评分 40）；会议部署失5分（人工评分 15）。"), "{bing}");
        assert!(texts.contains(&"1.丙街道：计算得分70分，加2分，理由：补报材料经核实。".to_string()));
        assert!(at("五、下步要求") > at("四、分值调整说明"));
        assert_eq!(texts[texts.len() - 1], "2026年12月3日");
        assert_eq!(texts[texts.len() - 2], "珠晖区禁毒委员会办公室");
        // The table: header, then one row per unit in rank order with the tie shown twice.
        let table = &xml[xml.find("<w:tbl>").unwrap()..xml.find("</w:tbl>").unwrap()];
        let rows: Vec<String> = table.split("<w:tr>").skip(1).map(text).collect();
        assert_eq!(rows.len(), 5, "{rows:?}");
        assert_eq!(rows[0], "排名单位总分等级组织领导（40分）管控工作（60分）");
        assert_eq!(rows[1], "1甲街道91优秀3853");
        assert_eq!(rows[2], "1乙街道91优秀3952");
        assert_eq!(rows[3], "3丙街道72基本合格3040");
        assert_eq!(rows[4], "4丁街道0不合格（否决）4060");
    }

    #[test]
    fn a_run_not_yet_published_says_so() {
        let xml = document_xml(&docx(&sample(RunStatus::Frozen), false, issued()).unwrap());
        let texts: Vec<String> = paragraphs(&xml).into_iter().map(text).collect();
        assert_eq!(texts[1], "（已冻结，未发布）");
        assert!(!xml.contains("演示数据"));
        assert_eq!(file_name(&sample(RunStatus::Frozen), "docx"), "evaluation-430405-2026.docx");
    }

    #[test]
    fn the_workbook_reads_back_with_the_ranking_and_every_item() {
        let bytes = xlsx(&sample(RunStatus::Published), false, issued()).unwrap();
        let mut wb: Xlsx<Cursor<Vec<u8>>> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["排名".to_string(), "评分明细".to_string()]);
        let ranking = wb.worksheet_range("排名").unwrap();
        let h = HEADER_ROW;
        let s = |r: &calamine::Range<Data>, row: u32, col: u32| r.get_value((row, col)).cloned();
        assert_eq!(s(&ranking, h, 9), Some(Data::String("组织领导（40分）".into())));
        assert_eq!(s(&ranking, h + 3, 1), Some(Data::String("丙街道".into())));
        assert_eq!(s(&ranking, h + 3, 3), Some(Data::Float(72.0)));
        assert_eq!(s(&ranking, h + 3, 4), Some(Data::Float(70.0)));
        assert_eq!(s(&ranking, h + 3, 6), Some(Data::String("补报材料经核实".into())));
        assert_eq!(s(&ranking, h + 4, 8), Some(Data::String("“重大涉毒案事件”".into())));
        assert_eq!(s(&ranking, h + 2, 0), Some(Data::Float(1.0)), "the tie shares rank 1");
        let detail = wb.worksheet_range("评分明细").unwrap();
        // 4 units × 7 items (two groups, four leaves, the veto).
        assert_eq!(detail.height() as u32, h + 1 + 28);
        let row = (h + 1..h + 29)
            .find(|r| {
                s(&detail, *r, 1) == Some(Data::String("丙街道".into()))
                    && s(&detail, *r, 2) == Some(Data::String("2.1".into()))
            })
            .unwrap();
        assert_eq!(s(&detail, row, 5), Some(Data::Float(0.0)));
        assert_eq!(s(&detail, row, 7), Some(Data::Float(7.0)));
    }

    #[test]
    fn libreoffice_opens_the_evaluation_bulletin() {
        let Some(pdf) = soffice_pdf(&docx(&sample(RunStatus::Published), true, issued()).unwrap(), "jindu-evaluation")
        else {
            return;
        };
        let pages = pdf_pages(&pdf);
        println!("LibreOffice converted the evaluation bulletin to {pages} PDF page(s)");
        assert!(pages >= 2, "the bulletin fills more than one page: {pages}");
    }
}
