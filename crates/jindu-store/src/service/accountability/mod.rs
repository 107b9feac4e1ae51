//! 责任与考评 responsibility and evaluation: 责任书 and 规划任务, evaluation schemes, runs, scores and rankings, and the member units they concern.

pub mod evaluation;
pub mod responsibility;
pub mod units;
