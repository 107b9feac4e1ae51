//! 系统管理 administration: the deployment (divisions, calendar, settings), accounts and roles, the second factor and API tokens.

pub mod admin;
pub mod deployment;
pub mod second_factor;
pub mod setup;
pub mod tokens;
pub mod users;
