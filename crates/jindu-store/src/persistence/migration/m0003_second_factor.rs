//! Second factor and sealed identities (issue #3): the last accepted TOTP time step (replay
//! refusal), and a unique blind index of the ID number now that the number itself is
//! encrypted (a ciphertext is different every time, so uniqueness moves to the index).

use sea_orm_migration::prelude::*;

use super::{add_columns, drop_columns, drop_index, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_second_factor"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(m, "app_user", "totp_last_step bigint?").await?;
        drop_index(m, "person", "ix_person_id_number_bidx").await?;
        index(m, "person", "ux_person_id_number_bidx", &["id_number_bidx"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_index(m, "person", "ux_person_id_number_bidx").await?;
        index(m, "person", "ix_person_id_number_bidx", &["id_number_bidx"], false).await?;
        drop_columns(m, "app_user", &["totp_last_step"]).await
    }
}
