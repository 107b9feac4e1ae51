//! Municipalities' name paths (issue #18 item 9): the 市辖区 / 县 level of 北京, 天津, 上海 and
//! 重庆 is left out of the name paths below it (`上海市/杨浦区/控江路街道`), as
//! `divisions::embedded_subtree` now writes them; divisions stored before are rewritten. Data
//! only; the level's own row keeps its path.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_import"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (_, city) in jindu_domain::division::MUNICIPALITIES {
            for level in ["市辖区", "县"] {
                // REPLACE and LIKE mean the same on SQLite and PostgreSQL; the names hold no
                // quote or wildcard.
                db.execute_unprepared(&format!(
                    "UPDATE division SET name_path = REPLACE(name_path, '{city}/{level}/', '{city}/') \
                     WHERE name_path LIKE '{city}/{level}/%'"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The rewritten paths are the right ones; nothing to undo.
        Ok(())
    }
}
