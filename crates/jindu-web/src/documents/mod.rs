//! The documents Jindu writes: the 通报 (.docx, GB/T 9704) and the workbooks (.xlsx) of the 驾驶舱 and of an evaluation run.

pub mod bulletin;
pub mod evaluation_bulletin;
pub mod export;
