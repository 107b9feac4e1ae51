//! 属地 (issue #18 item 11): the divisions that held a person who moved, so the community figures
//! and lists of a town keep the persons it held in the months it held them.

use sea_orm_migration::prelude::*;

use super::{create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_person_part"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table_keyed(m, "person_part", "division_code string, person_id uuid", &["division_code", "person_id"])
            .await?;
        index(m, "person_part", "ix_person_part_person", &["person_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["person_part"]).await
    }
}
