//! 统计与驾驶舱 the 驾驶舱 pages.

pub(crate) mod dashboard;
