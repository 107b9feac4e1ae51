//! 社区戒毒(康复)工作站 the columns of a sheet of workstations and their staff (工作站及社工名册), as
//! offices keep it: one row per workstation, its staff named in one cell.

use chrono::NaiveDate;

use crate::import::SheetColumn;

/// The day the 禁毒法 took effect (2008-06-01, 禁毒法 §71), which introduced community detox
/// (§33) and community rehabilitation (§48): no workstation for them opened earlier, so an
/// earlier 成立日期 is refused.
pub const COMMUNITY_MEASURES_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2008, 6, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A column of a workstation sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkstationColumn {
    /// 工作站名称 (required).
    Name,
    /// 乡镇(街道) (required): the town it serves, by name, name path or code.
    Town,
    /// 地址.
    Address,
    /// 成立日期: in any form dates take; empty when not known.
    OpenedOn,
    /// 禁毒社工: social workers by user name or name, separated by `、`, `,`, `，`, `;` or spaces.
    Staff,
}

impl WorkstationColumn {
    /// Every column, in the order of the template.
    pub const ALL: [WorkstationColumn; 5] = [
        WorkstationColumn::Name,
        WorkstationColumn::Town,
        WorkstationColumn::Address,
        WorkstationColumn::OpenedOn,
        WorkstationColumn::Staff,
    ];
}

impl SheetColumn for WorkstationColumn {
    const COLUMNS: &'static [WorkstationColumn] = &WorkstationColumn::ALL;
    const KEY: [WorkstationColumn; 2] = [WorkstationColumn::Name, WorkstationColumn::Town];
    const REQUIRED: &'static [&'static [WorkstationColumn]] = &[];
    fn field(self) -> &'static str {
        match self {
            WorkstationColumn::Name => "name",
            WorkstationColumn::Town => "town",
            WorkstationColumn::Address => "address",
            WorkstationColumn::OpenedOn => "opened_on",
            WorkstationColumn::Staff => "staff",
        }
    }
    fn template_header(self) -> &'static str {
        match self {
            WorkstationColumn::Name => "工作站名称*",
            WorkstationColumn::Town => "乡镇(街道)*",
            WorkstationColumn::Address => "地址",
            WorkstationColumn::OpenedOn => "成立日期",
            WorkstationColumn::Staff => "禁毒社工",
        }
    }
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            WorkstationColumn::Name => &["工作站名称", "工作站", "站点名称", "名称", "name"],
            WorkstationColumn::Town => {
                &["乡镇(街道)", "乡镇街道", "所属乡镇(街道)", "所属街道", "所属乡镇", "街道", "乡镇", "town"]
            }
            WorkstationColumn::Address => &["地址", "工作站地址", "办公地址", "详细地址", "address"],
            WorkstationColumn::OpenedOn => &["成立日期", "成立时间", "建站日期", "建站时间", "挂牌日期", "opened_on"],
            WorkstationColumn::Staff => &["禁毒社工", "社工", "社工姓名", "工作人员", "在岗社工", "专职社工", "staff"],
        }
    }
}

/// The names in a staff cell: split on `、` `,` `，` `;` `；` `/` and whitespace, blanks dropped,
/// repeats kept once, in the order written.
pub fn staff_names(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in cell.split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；' | '/') || c.is_whitespace()) {
        let n = n.trim();
        if !n.is_empty() && !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_cells_as_offices_write_them() {
        assert_eq!(staff_names("张丽、王芳，李强; 赵敏 / 张丽"), vec!["张丽", "王芳", "李强", "赵敏"]);
        assert_eq!(staff_names("  "), Vec::<String>::new());
        assert_eq!(staff_names("sg01,sg02"), vec!["sg01", "sg02"]);
    }

    #[test]
    fn headers_offices_write_are_understood() {
        assert_eq!(WorkstationColumn::from_header("工作站名称＊"), Some(WorkstationColumn::Name));
        assert_eq!(WorkstationColumn::from_header("所属乡镇（街道）"), Some(WorkstationColumn::Town));
        assert_eq!(WorkstationColumn::from_header("建站时间"), Some(WorkstationColumn::OpenedOn));
        assert_eq!(WorkstationColumn::from_header("在岗社工"), Some(WorkstationColumn::Staff));
        assert_eq!(WorkstationColumn::from_header("身份证号"), None);
    }
}
