//! 行政区划 the statistical divisions shipped with the program (see `data/divisions/SOURCE.md`),
//! and loading the subtree a deployment needs into the database.

use std::collections::HashMap;
use std::io::Read;

use jindu_domain::{DivisionCode, DivisionLevel};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::division;

/// The whole national list, xz-compressed CSV `code,name` (2/4/6/9/12-digit codes), 2023 edition.
static DIVISIONS_XZ: &[u8] = include_bytes!("../../../data/divisions/divisions.csv.xz");

/// One division as shipped: 12-digit code, name, level, parent and full name path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    pub code: DivisionCode,
    pub name: String,
    pub level: DivisionLevel,
    pub parent: Option<DivisionCode>,
    /// e.g. `湖南省/衡阳市/珠晖区/广东路街道`.
    pub name_path: String,
}

/// Errors reading the embedded division list. `Display` is English for the log;
/// [`DivisionDataError::message`] is the sentence for a person.
#[derive(Debug, thiserror::Error)]
pub enum DivisionDataError {
    #[error("division data corrupt: {0}")]
    Corrupt(String),
    #[error("division code {0} does not exist")]
    Unknown(String),
}

impl DivisionDataError {
    /// The sentence for a person (catalogue `msg.store.divisions.*`).
    pub fn message(&self) -> jindu_domain::message::Message {
        use jindu_domain::message::Message;
        match self {
            DivisionDataError::Corrupt(cause) => Message::new("msg.store.divisions.corrupt").text("cause", cause),
            DivisionDataError::Unknown(code) => Message::new("msg.store.divisions.unknown").text("code", code),
        }
    }
}

/// Reads the embedded list and returns `root`, its ancestors and every division below it,
/// parents before children. Takes about a second for the national file (it is streamed,
/// only the subtree is kept). Errors: `Unknown` when `root` is not in the list.
pub fn embedded_subtree(root: DivisionCode) -> Result<Vec<DivisionRow>, DivisionDataError> {
    let prefix = root.prefix();
    let mut ancestors = Vec::new();
    let mut anc = root.parent();
    while let Some(p) = anc {
        ancestors.push(p);
        anc = p.parent();
    }
    let rows = embedded_rows(
        // Cheap prefix test on the raw digits before parsing.
        |code| code.starts_with(&prefix) || prefix.starts_with(code),
        |dc| root.contains(dc) || ancestors.contains(dc),
    )?;
    if !rows.iter().any(|r| r.code == root) {
        return Err(DivisionDataError::Unknown(root.prefix()));
    }
    Ok(rows)
}

/// Every division of the country (665,276 rows in the 2023 edition), parents before children:
/// what `jindu bench indicators` loads to measure at national scale.
pub fn embedded_all() -> Result<Vec<DivisionRow>, DivisionDataError> {
    embedded_rows(|_| true, |_| true)
}

/// The shipped rows whose raw code passes `quick` and whose parsed code passes `keep`, sorted
/// by level then code, with their name paths.
fn embedded_rows(
    quick: impl Fn(&str) -> bool,
    keep: impl Fn(&DivisionCode) -> bool,
) -> Result<Vec<DivisionRow>, DivisionDataError> {
    let mut xz = xz2::read::XzDecoder::new(DIVISIONS_XZ);
    let mut text = String::new();
    xz.read_to_string(&mut text).map_err(|e| DivisionDataError::Corrupt(e.to_string()))?;
    let mut raw: Vec<(DivisionCode, String)> = Vec::new();
    for line in text.lines().skip(1) {
        let Some((code, name)) = line.split_once(',') else {
            return Err(DivisionDataError::Corrupt(line.to_string()));
        };
        if !quick(code) {
            continue;
        }
        let dc = DivisionCode::parse(code).map_err(|_| DivisionDataError::Corrupt(line.to_string()))?;
        if keep(&dc) {
            raw.push((dc, name.to_string()));
        }
    }
    raw.sort_by_key(|(c, _)| (level_rank(c.level()), *c));
    // Four codes of the national list collapse onto their parent's 12 digits (东莞市 4419 and its
    // 441900, 中山市, 儋州市, 金门县 350527 and its 350527000): the first (higher) row is kept.
    raw.dedup_by_key(|(c, _)| *c);
    // The path each division gives the divisions below it: a municipality's 市辖区 / 县 level
    // gives its parent's (上海市/杨浦区, not 上海市/市辖区/杨浦区; issue #18 item 9).
    let mut paths: HashMap<DivisionCode, String> = HashMap::new();
    let mut rows = Vec::with_capacity(raw.len());
    for (code, name) in raw {
        let parent = code.parent();
        let above = parent.and_then(|p| paths.get(&p));
        let name_path = match above {
            Some(pp) => format!("{pp}/{name}"),
            None => name.clone(),
        };
        let below = match above {
            Some(pp) if jindu_domain::division::is_transparent_level(&code, &name) => pp.clone(),
            _ => name_path.clone(),
        };
        paths.insert(code, below);
        rows.push(DivisionRow { code, name, level: code.level(), parent, name_path });
    }
    Ok(rows)
}

fn level_rank(level: DivisionLevel) -> u8 {
    match level {
        DivisionLevel::Province => 0,
        DivisionLevel::City => 1,
        DivisionLevel::County => 2,
        DivisionLevel::Town => 3,
        DivisionLevel::Village => 4,
    }
}

/// Loads `rows` into the `division` table, replacing rows with the same code. Returns the count.
pub async fn store_rows<C: ConnectionTrait>(db: &C, rows: &[DivisionRow]) -> Result<usize, DbErr> {
    let codes: Vec<String> = rows.iter().map(|r| r.code.to_string()).collect();
    for chunk in codes.chunks(500) {
        division::Entity::delete_many().filter(division::Column::Code.is_in(chunk.iter().cloned())).exec(db).await?;
    }
    for chunk in rows.chunks(500) {
        let models = chunk.iter().map(|r| division::ActiveModel {
            code: Set(r.code.to_string()),
            name: Set(r.name.clone()),
            level: Set(r.level.as_code().to_string()),
            parent_code: Set(r.parent.map(|p| p.to_string())),
            name_path: Set(r.name_path.clone()),
        });
        division::Entity::insert_many(models).exec(db).await?;
    }
    Ok(rows.len())
}

/// Rewrites stored name paths that still hold a municipality's 市辖区 / 县 level
/// (`上海市/市辖区/杨浦区/控江路街道` → `上海市/杨浦区/控江路街道`), as [`embedded_subtree`] now
/// writes them; the level's own row keeps its path. Returns the rows changed. Used by the
/// migration `m0010_import` for deployments initialised before (issue #18 item 9).
///
/// # Errors
/// Database errors.
pub async fn drop_municipal_placeholder_level<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let mut changed = 0;
    for (_, city) in jindu_domain::division::MUNICIPALITIES {
        for level in ["市辖区", "县"] {
            // REPLACE and LIKE mean the same on SQLite and PostgreSQL; the names hold no quote
            // or wildcard.
            changed += db
                .execute_unprepared(&format!(
                    "UPDATE division SET name_path = REPLACE(name_path, '{city}/{level}/', '{city}/') \
                     WHERE name_path LIKE '{city}/{level}/%'"
                ))
                .await?
                .rows_affected();
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zhuhui_subtree_has_10_towns_and_75_communities() {
        let root = DivisionCode::parse("430405").unwrap();
        let rows = embedded_subtree(root).unwrap();
        let towns = rows.iter().filter(|r| r.level == DivisionLevel::Town).count();
        let villages = rows.iter().filter(|r| r.level == DivisionLevel::Village).count();
        assert_eq!(towns, 10);
        assert_eq!(villages, 75);
        assert_eq!(rows.len(), 3 + 10 + 75);
        let gdl = rows.iter().find(|r| r.code.prefix() == "430405009").unwrap();
        assert_eq!(gdl.name_path, "湖南省/衡阳市/珠晖区/广东路街道");
        assert_eq!(rows[0].name, "湖南省");
    }

    #[test]
    fn municipalities_name_their_districts_without_the_placeholder_level() {
        let rows = embedded_subtree(DivisionCode::parse("3101").unwrap()).unwrap();
        let path = |code: &str| rows.iter().find(|r| r.code.prefix() == code).map(|r| r.name_path.clone());
        assert_eq!(path("31"), Some("上海市".into()));
        assert_eq!(path("3101"), Some("上海市/市辖区".into()), "the level's own row keeps its name");
        assert_eq!(path("310110"), Some("上海市/杨浦区".into()));
        assert_eq!(path("310110012"), Some("上海市/杨浦区/控江路街道".into()));
        assert!(rows.iter().all(|r| !r.name_path.contains("/市辖区/")));
        let cq = embedded_subtree(DivisionCode::parse("5002").unwrap()).unwrap();
        let county = cq.iter().find(|r| r.code.level() == DivisionLevel::County).unwrap();
        assert!(county.name_path.starts_with("重庆市/") && !county.name_path.contains("/县/"), "{}", county.name_path);
        // Elsewhere nothing changes.
        let zh = embedded_subtree(DivisionCode::parse("430405").unwrap()).unwrap();
        assert!(zh.iter().any(|r| r.name_path == "湖南省/衡阳市/珠晖区"));
    }

    #[test]
    fn unknown_root_is_refused() {
        let root = DivisionCode::parse("439999").unwrap();
        assert!(matches!(embedded_subtree(root), Err(DivisionDataError::Unknown(_))));
    }
}
