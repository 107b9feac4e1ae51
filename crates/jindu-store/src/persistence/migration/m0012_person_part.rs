//! 属地 (issue #18 item 11): the divisions that held a person who moved, so the community figures
//! and lists of a town keep the persons it held in the months it held them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_person_part"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("person_part"))
                .col(string(a("division_code")))
                .col(uuid(a("person_id")))
                .primary_key(Index::create().col(a("division_code")).col(a("person_id")))
                .to_owned(),
        )
        .await?;
        index(m, "person_part", "ix_person_part_person", &["person_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("person_part")).to_owned()).await
    }
}
