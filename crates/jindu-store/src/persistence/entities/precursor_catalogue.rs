//! 易制毒化学品品种目录 the catalogue files imported after the release (issue #21 item 1; table
//! `precursor_catalogue_file`, migration m0021). The shipped files are in the build
//! (`jindu_domain::precursor::catalogue::SHIPPED_FILES`); these are parsed together with them.

use sea_orm::entity::prelude::*;

/// One imported file, kept whole.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "precursor_catalogue_file")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The file's name as given (`2027-amendments.csv`): the catalogue's refusals name it.
    pub file_name: String,
    /// What it holds, told by its header row: `catalogue`, `amendments`, `aliases` or
    /// `mixture_rules` (as the four shipped files).
    pub kind: String,
    /// The UTF-8 text as imported (a leading BOM kept).
    pub body: String,
    /// SHA-256 of `body`'s bytes, lower-case hex: the same file is stored once.
    #[sea_orm(unique)]
    pub sha256: String,
    pub imported_at: DateTimeUtc,
    /// The user name of who imported it (`cli` for the server's operator).
    pub imported_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
