//! 统计与驾驶舱 statistics: the indicator cells kept by every write, and the 驾驶舱 that reads them.

pub mod dashboard;
pub mod indicators;
