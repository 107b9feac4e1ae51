//! Fixtures of the unit tests: dashboards built the way the store's `dashboard_of` builds them,
//! from cells worked out by hand.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::{Cursor, Read};

use calamine::{Data, Xlsx, open_workbook_from_rs};
use jindu_domain::indicator::Figure;
use jindu_domain::indicator::{
    CellKey, Contribution, Indicator, IndicatorSettings, Month, Period, ScopeCells, evaluate, misses_target,
};
use jindu_domain::{DivisionLevel, Substance};
use jindu_store::service::dashboard::{CHILD_COLUMNS, ChildRow, Dashboard, FigureRow, Jurisdiction};

/// October 2026, the period of the sample dashboards.
pub(crate) const OCT: Period = Period::Month(Month(202610));

/// The cells of `(key, month, value)` changes.
pub(crate) fn cells(items: &[(CellKey, i32, i64)]) -> ScopeCells {
    let mut c = Contribution::new();
    for (k, m, v) in items {
        c.add(*k, Month(*m), *v);
    }
    ScopeCells::from_contribution(&c)
}

/// A jurisdiction.
pub(crate) fn place(code: &str, name: &str, level: DivisionLevel) -> Jurisdiction {
    Jurisdiction { code: code.into(), name: name.into(), level: Some(level) }
}

/// Every indicator of `district` in [`OCT`], with the year before, the target and whether it misses.
pub(crate) fn figures(district: &ScopeCells, settings: &IndicatorSettings) -> Vec<FigureRow> {
    Indicator::ALL
        .iter()
        .map(|i| {
            let figure = evaluate(*i, district, OCT, settings);
            let target = settings.target(*i);
            FigureRow {
                indicator: *i,
                figure,
                year_before: evaluate(*i, district, OCT.year_before(), settings),
                target,
                misses: misses_target(figure.value, target, i.definition().direction),
            }
        })
        .collect()
}

/// A town below with its [`CHILD_COLUMNS`] in [`OCT`], ranked on 失控率 at `rank`.
pub(crate) fn child(
    code: &str,
    name: &str,
    c: &ScopeCells,
    settings: &IndicatorSettings,
    rank: Option<u32>,
) -> ChildRow {
    ChildRow {
        jurisdiction: place(code, name, DivisionLevel::Town),
        figures: CHILD_COLUMNS.iter().map(|i| evaluate(*i, c, OCT, settings)).collect(),
        rank_figure: evaluate(Indicator::LossRate, c, OCT, settings),
        rank,
    }
}

/// 珠晖区 in [`OCT`], ranked on 失控率, with these figures, trends, towns below and seizures.
pub(crate) fn zhuhui(
    figures: Vec<FigureRow>,
    trends: Vec<(Indicator, Vec<(Month, Figure)>)>,
    children: Vec<ChildRow>,
    seizures: Vec<(Substance, i64, i64)>,
    settings: IndicatorSettings,
) -> Dashboard {
    Dashboard {
        jurisdiction: place("430405000000", "珠晖区", DivisionLevel::County),
        trail: vec![place("430405000000", "珠晖区", DivisionLevel::County)],
        period: OCT,
        figures,
        trends,
        children,
        rank_by: Indicator::LossRate,
        seizures,
        settings,
        as_of: None,
    }
}

/// The part `name` of an Office file (a zip): `word/document.xml`, `xl/worksheets/sheet1.xml`.
pub(crate) fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// A workbook's bytes, opened for reading.
pub(crate) fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap()
}

/// The text of a cell; fails on anything else.
pub(crate) fn cell_text(r: &calamine::Range<Data>, pos: (u32, u32)) -> String {
    match r.get_value(pos) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("{pos:?}: not text: {other:?}"),
    }
}

/// A cell as a number, or `None` for the “—” of a missing value; fails on anything else.
pub(crate) fn cell_number(r: &calamine::Range<Data>, pos: (u32, u32)) -> Option<f64> {
    match r.get_value(pos) {
        Some(Data::Float(v)) => Some(*v),
        Some(Data::Int(v)) => Some(*v as f64),
        Some(Data::String(s)) if s == "—" => None,
        other => panic!("{pos:?}: not a number: {other:?}"),
    }
}
