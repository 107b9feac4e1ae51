//! 责任与考评 the responsibility letters, tasks and member units page, and the evaluation pages.

pub(crate) mod evaluation;
pub(crate) mod responsibility;
