//! Second factor and sealed identities (issue #3): the last accepted TOTP time step (replay
//! refusal), and a unique blind index of the ID number now that the number itself is
//! encrypted (a ciphertext is different every time, so uniqueness moves to the index).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_second_factor"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut col = big_integer_null(a("totp_last_step"));
        m.alter_table(Table::alter().table(a("app_user")).add_column(&mut col).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_person_id_number_bidx").table(a("person")).to_owned()).await?;
        index(m, "person", "ux_person_id_number_bidx", &["id_number_bidx"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ux_person_id_number_bidx").table(a("person")).to_owned()).await?;
        index(m, "person", "ix_person_id_number_bidx", &["id_number_bidx"], false).await?;
        m.alter_table(Table::alter().table(a("app_user")).drop_column(a("totp_last_step")).to_owned()).await
    }
}
