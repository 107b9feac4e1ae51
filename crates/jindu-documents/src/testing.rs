//! Fixtures of the unit tests: dashboards built the way the store's `dashboard_of` builds them,
//! from cells worked out by hand.

use jindu_domain::DivisionLevel;
use jindu_domain::indicator::{
    CellKey, Contribution, Indicator, IndicatorSettings, Month, Period, ScopeCells, evaluate, misses_target,
};
use jindu_store::service::dashboard::{CHILD_COLUMNS, ChildRow, FigureRow, Jurisdiction};

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
