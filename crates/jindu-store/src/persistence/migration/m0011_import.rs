//! Municipalities' name paths (issue #18 item 9): the 市辖区 / 县 level of 北京, 天津, 上海 and
//! 重庆 is left out of the name paths below it (`上海市/杨浦区/控江路街道`), as
//! `divisions::embedded_subtree` now writes them; divisions stored before are rewritten. Data
//! only; the level's own row keeps its path.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_import"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::divisions::drop_municipal_placeholder_level(m.get_connection()).await.map(|_| ())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The rewritten paths are the right ones; nothing to undo.
        Ok(())
    }
}
