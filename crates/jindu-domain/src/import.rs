//! 导入 reading an office's own registry sheet (登记表): which column holds what, found from the
//! header's words (身份证号 / 公民身份号码 / 证件号码 …), where the header row is (title rows and
//! merged cells above it are skipped), and the clean-up of cell text. Pure: the file is read by
//! the store, the rows are checked by the same rules as the registration form.

use crate::message::Message;
use std::collections::BTreeMap;

/// The columns of one kind of sheet (persons, events): how each is named in a header.
pub trait SheetColumn: Copy + Ord + std::fmt::Debug + 'static {
    /// Every column, in the order of the template.
    const COLUMNS: &'static [Self];
    /// Two columns a header row must both name (a title row names neither).
    const KEY: [Self; 2];
    /// Columns the header must have besides the key: each inner list is satisfied by any one.
    const REQUIRED: &'static [&'static [Self]];
    /// Field name in error messages.
    fn field(self) -> &'static str;
    /// The template's header (a `*` marks the required columns).
    fn template_header(self) -> &'static str;
    /// Header words that mean this column, after [`normalize_header`].
    fn synonyms(self) -> &'static [&'static str];
    /// The column holds dates (a plain number in it is an Excel date serial of the workbook's
    /// date system, see [`date_cell_1904`]).
    fn is_date(self) -> bool {
        false
    }
    /// The column holds digits that are text (ID numbers, phones; later credit codes and
    /// licence numbers): a cell Excel turned into a number has lost digits
    /// ([`excel_number_damage`]) and is refused, never reconstructed.
    fn keeps_digits(self) -> bool {
        false
    }
    /// The column a header means, if any.
    fn from_header(header: &str) -> Option<Self> {
        let h = normalize_header(header);
        if h.is_empty() {
            return None;
        }
        Self::COLUMNS.iter().copied().find(|c| c.synonyms().contains(&h.as_str()))
    }
}

/// A column of a person sheet Jindu understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonColumn {
    /// 姓名 (required).
    Name,
    /// 身份证号 (required): 18 digits, 15-digit and Excel-mangled forms accepted.
    IdNumber,
    /// 性别: read but not stored (the ID number decides).
    Sex,
    /// 联系电话.
    Phone,
    /// 现住址.
    Address,
    /// 乡镇(街道): a town's name or code.
    Town,
    /// 社区(村): a community's name or code, or a name path (珠晖区广东路街道…).
    Community,
    /// 管控措施: a measure kind's name (社区戒毒, 社区康复, 强制隔离戒毒 …).
    MeasureKind,
    /// 决定日期 of the measure.
    DecisionDate,
    /// 报到日期 of a community measure.
    ReportDate,
    /// 结束日期 of the measure (解除/终止): the measure is imported as ended on this day.
    EndDate,
    /// 结束原因 (with 结束日期): 期满解除, 被判刑, 收容教育, 转强制隔离戒毒, 死亡, 其他.
    EndReason,
    /// 管控状态: 在控, 失控, 羁押, 死亡, 出境, 戒断三年未复吸, 解除 (the label, English label or
    /// code); blank is 在控. A status other than 在控 is recorded on the import day.
    ControlStatus,
    /// 初次发现日期.
    FirstFoundOn,
    /// 责任社工: the social worker's user name or display name, in the person's town.
    SocialWorker,
    /// 滥用毒品种类.
    Substance,
    /// 成瘾认定.
    AddictionFinding,
    /// 备注.
    Note,
}

impl PersonColumn {
    /// Every column, in the order of the template Jindu provides.
    pub const ALL: [PersonColumn; 18] = [
        PersonColumn::Name,
        PersonColumn::IdNumber,
        PersonColumn::Sex,
        PersonColumn::Phone,
        PersonColumn::Address,
        PersonColumn::Town,
        PersonColumn::Community,
        PersonColumn::MeasureKind,
        PersonColumn::DecisionDate,
        PersonColumn::ReportDate,
        PersonColumn::EndDate,
        PersonColumn::EndReason,
        PersonColumn::ControlStatus,
        PersonColumn::FirstFoundOn,
        PersonColumn::SocialWorker,
        PersonColumn::Substance,
        PersonColumn::AddictionFinding,
        PersonColumn::Note,
    ];

    /// The field name used in error messages (the registration form's).
    pub fn field(self) -> &'static str {
        match self {
            PersonColumn::Name => "name",
            PersonColumn::IdNumber => "id_number",
            PersonColumn::Sex => "sex",
            PersonColumn::Phone => "phone",
            PersonColumn::Address => "address",
            PersonColumn::Town => "town",
            PersonColumn::Community => "division",
            PersonColumn::MeasureKind => "measure_kind",
            PersonColumn::DecisionDate => "decision_date",
            PersonColumn::ReportDate => "report_date",
            PersonColumn::EndDate => "end_date",
            PersonColumn::EndReason => "end_reason",
            PersonColumn::ControlStatus => "control_status",
            PersonColumn::FirstFoundOn => "first_found_on",
            PersonColumn::SocialWorker => "social_worker",
            PersonColumn::Substance => "substance",
            PersonColumn::AddictionFinding => "addiction_finding",
            PersonColumn::Note => "note",
        }
    }

    /// The header of the template (a `*` marks the required columns).
    pub fn template_header(self) -> &'static str {
        match self {
            PersonColumn::Name => "姓名*",
            PersonColumn::IdNumber => "身份证号*",
            PersonColumn::Sex => "性别",
            PersonColumn::Phone => "联系电话",
            PersonColumn::Address => "现住址",
            PersonColumn::Town => "乡镇(街道)*",
            PersonColumn::Community => "社区(村)",
            PersonColumn::MeasureKind => "管控措施",
            PersonColumn::DecisionDate => "决定日期",
            PersonColumn::ReportDate => "报到日期",
            PersonColumn::EndDate => "结束日期",
            PersonColumn::EndReason => "结束原因",
            PersonColumn::ControlStatus => "管控状态",
            PersonColumn::FirstFoundOn => "初次发现日期",
            PersonColumn::SocialWorker => "责任社工",
            PersonColumn::Substance => "滥用毒品种类",
            PersonColumn::AddictionFinding => "成瘾认定",
            PersonColumn::Note => "备注",
        }
    }

    /// Header words that mean this column, after [`normalize_header`]: the forms seen in
    /// registries kept in Excel and WPS, and the field name itself.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            PersonColumn::Name => &["姓名", "名字", "人员姓名", "吸毒人员姓名", "当事人姓名", "name"],
            PersonColumn::IdNumber => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "公民身份证号码",
                "证件号码",
                "证件号",
                "身份证",
                "身份证件号码",
                "id_number",
            ],
            PersonColumn::Sex => &["性别", "sex"],
            PersonColumn::Phone => &["联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone"],
            PersonColumn::Address => {
                &["现住址", "住址", "居住地址", "现居住地", "现居住地址", "家庭住址", "实际居住地址", "address"]
            }
            PersonColumn::Town => &[
                "乡镇(街道)",
                "街道(乡镇)",
                "乡镇街道",
                "乡镇",
                "街道",
                "所属街道",
                "所属乡镇",
                "所属乡镇(街道)",
                "town",
            ],
            PersonColumn::Community => &[
                "社区(村)",
                "村(社区)",
                "社区",
                "村",
                "所属社区",
                "所在社区",
                "社区(村)委会",
                "行政区划",
                "区划代码",
                "所属区划",
                "所属辖区",
                "辖区",
                "division",
            ],
            PersonColumn::MeasureKind => &["管控措施", "戒毒措施", "措施", "措施类型", "管控类型", "measure_kind"],
            PersonColumn::DecisionDate => &["决定日期", "决定时间", "责令日期", "措施决定日期", "decision_date"],
            PersonColumn::ReportDate => &["报到日期", "报到时间", "实际报到日期", "report_date"],
            PersonColumn::EndDate => MeasureColumn::EndDate.synonyms(),
            PersonColumn::EndReason => MeasureColumn::EndReason.synonyms(),
            PersonColumn::ControlStatus => {
                &["管控状态", "人员状态", "当前状态", "状态", "管控情况", "在控状态", "control_status"]
            }
            PersonColumn::FirstFoundOn => {
                &["初次发现日期", "首次发现日期", "初次发现时间", "首次发现时间", "发现日期", "first_found_on"]
            }
            PersonColumn::SocialWorker => {
                &["责任社工", "社工", "专职社工", "禁毒社工", "负责社工", "社工姓名", "social_worker"]
            }
            PersonColumn::Substance => &[
                "滥用毒品种类",
                "毒品种类",
                "吸食毒品种类",
                "主要滥用毒品",
                "滥用毒品",
                "吸毒种类",
                "吸食种类",
                "吸毒类型",
                "毒品类型",
                "滥用种类",
                "substance",
            ],
            PersonColumn::AddictionFinding => &["成瘾认定", "成瘾程度", "吸毒成瘾认定", "addiction_finding"],
            PersonColumn::Note => &["备注", "说明", "note"],
        }
    }

    /// The column a header means, if any.
    pub fn from_header(header: &str) -> Option<PersonColumn> {
        <PersonColumn as SheetColumn>::from_header(header)
    }
}

impl SheetColumn for PersonColumn {
    const COLUMNS: &'static [PersonColumn] = &PersonColumn::ALL;
    const KEY: [PersonColumn; 2] = [PersonColumn::Name, PersonColumn::IdNumber];
    const REQUIRED: &'static [&'static [PersonColumn]] = &[&[PersonColumn::Town, PersonColumn::Community]];
    fn field(self) -> &'static str {
        PersonColumn::field(self)
    }
    fn template_header(self) -> &'static str {
        PersonColumn::template_header(self)
    }
    fn synonyms(self) -> &'static [&'static str] {
        PersonColumn::synonyms(self)
    }
    fn is_date(self) -> bool {
        matches!(
            self,
            PersonColumn::DecisionDate | PersonColumn::ReportDate | PersonColumn::EndDate | PersonColumn::FirstFoundOn
        )
    }
    fn keeps_digits(self) -> bool {
        matches!(self, PersonColumn::IdNumber | PersonColumn::Phone)
    }
}

/// A column of an event sheet (检测、报到、走访记录): one row per event of a registered person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventColumn {
    /// 身份证号 (required): finds the person among those registered in scope.
    IdNumber,
    /// 姓名: when given, must be the registered person's name (a check against a wrong number).
    Name,
    /// 类型 (required): 报到, 检测/尿检, 走访, 谈话, 帮扶 (see [`event_kind_of`]).
    Kind,
    /// 日期 (required): the day it happened, in any form dates take.
    Date,
    /// 检测方式: 尿检, 毛发, 唾液, 血液 (tests only; 尿检 as the kind implies it).
    TestMethod,
    /// 检测结果: 阴性, 阳性, 拒绝/逃避检测 (tests only).
    TestResult,
    /// 检出毒品: the substance of a positive result.
    Substance,
    /// 备注 / 情况.
    Note,
}

impl EventColumn {
    /// Every column, in the order of the template.
    pub const ALL: [EventColumn; 8] = [
        EventColumn::IdNumber,
        EventColumn::Name,
        EventColumn::Kind,
        EventColumn::Date,
        EventColumn::TestMethod,
        EventColumn::TestResult,
        EventColumn::Substance,
        EventColumn::Note,
    ];
}

impl SheetColumn for EventColumn {
    const COLUMNS: &'static [EventColumn] = &EventColumn::ALL;
    const KEY: [EventColumn; 2] = [EventColumn::IdNumber, EventColumn::Date];
    const REQUIRED: &'static [&'static [EventColumn]] = &[&[EventColumn::Kind]];
    fn field(self) -> &'static str {
        match self {
            EventColumn::IdNumber => "id_number",
            EventColumn::Name => "name",
            EventColumn::Kind => "kind",
            EventColumn::Date => "date",
            EventColumn::TestMethod => "test_method",
            EventColumn::TestResult => "test_result",
            EventColumn::Substance => "substance",
            EventColumn::Note => "note",
        }
    }
    fn template_header(self) -> &'static str {
        match self {
            EventColumn::IdNumber => "身份证号*",
            EventColumn::Name => "姓名",
            EventColumn::Kind => "类型*",
            EventColumn::Date => "日期*",
            EventColumn::TestMethod => "检测方式",
            EventColumn::TestResult => "检测结果",
            EventColumn::Substance => "检出毒品",
            EventColumn::Note => "备注",
        }
    }
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            EventColumn::IdNumber => PersonColumn::IdNumber.synonyms(),
            EventColumn::Name => PersonColumn::Name.synonyms(),
            EventColumn::Kind => &["类型", "事项", "工作类型", "记录类型", "工作事项", "类别", "kind"],
            EventColumn::Date => &[
                "日期",
                "时间",
                "工作日期",
                "检测日期",
                "检测时间",
                "走访日期",
                "走访时间",
                "报到日期",
                "发生日期",
                "date",
            ],
            EventColumn::TestMethod => &["检测方式", "检测方法", "检测类型", "test_method"],
            EventColumn::TestResult => &["检测结果", "结果", "尿检结果", "test_result"],
            EventColumn::Substance => &["检出毒品", "检出毒品种类", "阳性毒品种类", "substance"],
            EventColumn::Note => &["备注", "说明", "情况", "工作情况", "note"],
        }
    }
    fn is_date(self) -> bool {
        self == EventColumn::Date
    }
    fn keeps_digits(self) -> bool {
        self == EventColumn::IdNumber
    }
}

/// A column of a measure sheet (戒毒措施台账): one row per measure decision of a registered
/// person, for measures after the first (a person sheet brings the first) and for the history
/// of earlier measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeasureColumn {
    /// 身份证号 (required): finds the person among those registered in scope.
    IdNumber,
    /// 姓名: when given, must be the registered person's name.
    Name,
    /// 管控措施 (required): 社区戒毒 / 社区康复 / 强制隔离戒毒 and their short forms.
    MeasureKind,
    /// 决定日期 (required).
    DecisionDate,
    /// 报到日期 of a community measure.
    ReportDate,
    /// 解除/终止日期: the measure ended on this day (history).
    EndDate,
    /// 结束原因: 期满解除, 被判刑, 收容教育, 转强制隔离戒毒, 死亡, 其他 (with 解除/终止日期).
    EndReason,
    /// 豁免已核查: 是 when the officer checked the exemptions of 禁毒法 §39 for a compulsory
    /// isolation of a woman or a minor under 16.
    ExemptionsChecked,
}

impl MeasureColumn {
    /// Every column, in the order of the template.
    pub const ALL: [MeasureColumn; 8] = [
        MeasureColumn::IdNumber,
        MeasureColumn::Name,
        MeasureColumn::MeasureKind,
        MeasureColumn::DecisionDate,
        MeasureColumn::ReportDate,
        MeasureColumn::EndDate,
        MeasureColumn::EndReason,
        MeasureColumn::ExemptionsChecked,
    ];
}

/// A column of a plan-task sheet (规划任务): one row per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskColumn {
    /// 所属规划 (required), e.g. `6·27工程三年行动`.
    Plan,
    /// 任务内容 (required).
    Title,
    /// 牵头单位 (required): a town of the jurisdiction, by name (`广东路街道`, `珠晖区广东路街道`)
    /// or code.
    Owner,
    /// 配合单位: names separated by `、` or commas.
    CoUnits,
    /// 完成时限 (required): the due date, in any form dates take.
    Due,
}

impl TaskColumn {
    /// Every column, in the order of the template.
    pub const ALL: [TaskColumn; 5] =
        [TaskColumn::Plan, TaskColumn::Title, TaskColumn::Owner, TaskColumn::CoUnits, TaskColumn::Due];
}

impl SheetColumn for TaskColumn {
    const COLUMNS: &'static [TaskColumn] = &TaskColumn::ALL;
    const KEY: [TaskColumn; 2] = [TaskColumn::Title, TaskColumn::Owner];
    const REQUIRED: &'static [&'static [TaskColumn]] = &[&[TaskColumn::Plan], &[TaskColumn::Due]];
    fn field(self) -> &'static str {
        match self {
            TaskColumn::Plan => "plan",
            TaskColumn::Title => "title",
            TaskColumn::Owner => "owner",
            TaskColumn::CoUnits => "co_units",
            TaskColumn::Due => "due_on",
        }
    }
    fn template_header(self) -> &'static str {
        match self {
            TaskColumn::Plan => "所属规划*",
            TaskColumn::Title => "任务内容*",
            TaskColumn::Owner => "牵头单位*",
            TaskColumn::CoUnits => "配合单位",
            TaskColumn::Due => "完成时限*",
        }
    }
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            TaskColumn::Plan => &["所属规划", "规划", "规划名称", "所属行动", "专项行动", "plan"],
            TaskColumn::Title => &["任务内容", "任务", "任务名称", "工作任务", "具体任务", "工作内容", "title"],
            TaskColumn::Owner => &["牵头单位", "责任单位", "主责单位", "承办单位", "owner"],
            TaskColumn::CoUnits => &["配合单位", "协办单位", "协作单位", "co_units"],
            TaskColumn::Due => &["完成时限", "完成时间", "截止日期", "截止时间", "时限", "完成期限", "due_on", "due"],
        }
    }
    fn is_date(self) -> bool {
        self == TaskColumn::Due
    }
}

impl SheetColumn for MeasureColumn {
    const COLUMNS: &'static [MeasureColumn] = &MeasureColumn::ALL;
    const KEY: [MeasureColumn; 2] = [MeasureColumn::IdNumber, MeasureColumn::DecisionDate];
    const REQUIRED: &'static [&'static [MeasureColumn]] = &[&[MeasureColumn::MeasureKind]];
    fn field(self) -> &'static str {
        match self {
            MeasureColumn::IdNumber => "id_number",
            MeasureColumn::Name => "name",
            MeasureColumn::MeasureKind => "measure_kind",
            MeasureColumn::DecisionDate => "decision_date",
            MeasureColumn::ReportDate => "report_date",
            MeasureColumn::EndDate => "end_date",
            MeasureColumn::EndReason => "end_reason",
            MeasureColumn::ExemptionsChecked => "exemptions_checked",
        }
    }
    fn template_header(self) -> &'static str {
        match self {
            MeasureColumn::IdNumber => "身份证号*",
            MeasureColumn::Name => "姓名",
            MeasureColumn::MeasureKind => "管控措施*",
            MeasureColumn::DecisionDate => "决定日期*",
            MeasureColumn::ReportDate => "报到日期",
            MeasureColumn::EndDate => "解除(终止)日期",
            MeasureColumn::EndReason => "结束原因",
            MeasureColumn::ExemptionsChecked => "豁免已核查",
        }
    }
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            MeasureColumn::IdNumber => PersonColumn::IdNumber.synonyms(),
            MeasureColumn::Name => PersonColumn::Name.synonyms(),
            MeasureColumn::MeasureKind => PersonColumn::MeasureKind.synonyms(),
            MeasureColumn::DecisionDate => PersonColumn::DecisionDate.synonyms(),
            MeasureColumn::ReportDate => PersonColumn::ReportDate.synonyms(),
            MeasureColumn::EndDate => &[
                "解除(终止)日期",
                "解除日期",
                "终止日期",
                "结束日期",
                "解除时间",
                "期满日期",
                "实际解除日期",
                "end_date",
            ],
            MeasureColumn::EndReason => &["结束原因", "解除原因", "终止原因", "解除(终止)原因", "end_reason"],
            MeasureColumn::ExemptionsChecked => &["豁免已核查", "豁免情形已核查", "已核查豁免", "exemptions_checked"],
        }
    }
    fn is_date(self) -> bool {
        matches!(self, MeasureColumn::DecisionDate | MeasureColumn::ReportDate | MeasureColumn::EndDate)
    }
    fn keeps_digits(self) -> bool {
        self == MeasureColumn::IdNumber
    }
}

/// A measure kind as registries write it: the name (社区戒毒, 社区康复, 强制隔离戒毒), the short
/// forms 社戒 / 社康 / 强戒 / 强制戒毒, or the code.
pub fn measure_kind_of(text: &str) -> Option<crate::MeasureKind> {
    use crate::MeasureKind as K;
    let t = normalize_header(text);
    match t.as_str() {
        "社戒" => return Some(K::CommunityDetox),
        "社康" => return Some(K::CommunityRehab),
        "强戒" | "强制戒毒" => return Some(K::CompulsoryIsolation),
        _ => {}
    }
    K::ALL.iter().copied().find(|k| t == k.as_code() || t == normalize_header(k.label_zh()))
}

/// Why a measure ended, as registries write it: 期满解除 / 期满 / 解除, 被判刑 / 判刑, 收容教育,
/// 转强制隔离戒毒 / 转强戒, 死亡, 其他, the label Jindu shows (`被判刑(终止)`), or the code.
pub fn end_reason_of(text: &str) -> Option<crate::EndReason> {
    use crate::EndReason as R;
    let t = normalize_header(text);
    match t.as_str() {
        "期满解除" | "期满" | "解除" | "到期解除" => return Some(R::Expiry),
        "被判刑" | "判刑" | "判处刑罚" => return Some(R::Imprisonment),
        "收容教育" => return Some(R::CompulsoryEducation),
        "转强制隔离戒毒" | "转强戒" | "强制隔离戒毒" => return Some(R::ToCompulsoryIsolation),
        "死亡" => return Some(R::Death),
        "其他" | "其它" => return Some(R::Other),
        _ => {}
    }
    R::ALL.iter().copied().find(|r| t == r.as_code() || t == normalize_header(r.label_zh()))
}

/// A control status as registries write it: the label Jindu shows (在控, 失控, 羁押, 死亡, 出境,
/// 戒断三年未复吸, 解除), its English label, the code, or the words offices use: 在管 / 正常
/// (在控), 脱管 / 失联 (失控), 在押 / 服刑 (羁押), 戒断三年 / 戒断 (戒断三年未复吸), 已解除 /
/// 解除管控 (解除). Aliases: local default.
pub fn control_status_of(text: &str) -> Option<crate::ControlStatus> {
    use crate::ControlStatus as S;
    let t = normalize_header(text);
    let alias = match t.as_str() {
        "在管" | "正常" | "在控人员" => Some(S::UnderControl),
        "脱管" | "失联" | "失控人员" => Some(S::LostContact),
        "在押" | "服刑" | "羁押中" => Some(S::InCustody),
        "已死亡" => Some(S::Deceased),
        "已出境" => Some(S::Abroad),
        "戒断三年" | "戒断" | "戒断3年未复吸" | "戒断三年以上" => Some(S::Abstinent3y),
        "已解除" | "解除管控" => Some(S::Released),
        _ => None,
    };
    alias.or_else(|| {
        S::ALL
            .iter()
            .copied()
            .find(|s| t == s.as_code() || t == normalize_header(s.label_en()) || t == normalize_header(s.label_zh()))
    })
}

/// A yes/no cell: 是 / Y / yes / 1 / √ / true are yes; anything else (blank included) is no.
pub fn yes_of(text: &str) -> bool {
    matches!(normalize_header(text).as_str(), "是" | "y" | "yes" | "1" | "√" | "true" | "已核查")
}

/// The event kind a sheet names, with the words registries use: 报到; 检测, 尿检, 毛发检测,
/// 吸毒检测; 走访, 家访; 谈话, 谈心谈话, 约谈; 帮扶, 救助. Returns the kind and, for 尿检 and
/// 毛发检测, the test method it implies. Only the kinds an event sheet may bring (not measure
/// events, which have their own rules).
pub fn event_kind_of(text: &str) -> Option<(crate::EventKind, Option<crate::TestMethod>)> {
    use crate::{EventKind as K, TestMethod as M};
    let t = normalize_header(text);
    Some(match t.as_str() {
        "报到" | "定期报到" | "check_in" => (K::CheckIn, None),
        "检测" | "吸毒检测" | "毒品检测" | "drug_test" => (K::DrugTest, None),
        "尿检" | "尿液检测" => (K::DrugTest, Some(M::Urine)),
        "毛发检测" | "毛发" => (K::DrugTest, Some(M::Hair)),
        "走访" | "家访" | "见面走访" | "visit" => (K::Visit, None),
        "谈话" | "谈心谈话" | "约谈" | "interview" => (K::Interview, None),
        "帮扶" | "救助" | "帮扶救助" | "assistance" => (K::Assistance, None),
        _ => return None,
    })
}

/// A test method from a sheet: 尿检/尿液/尿, 毛发, 唾液, 血液/血检, or the code.
pub fn test_method_of(text: &str) -> Option<crate::TestMethod> {
    use crate::TestMethod as M;
    match normalize_header(text).as_str() {
        "尿检" | "尿液" | "尿" | "尿液检测" | "urine" => Some(M::Urine),
        "毛发" | "毛发检测" | "hair" => Some(M::Hair),
        "唾液" | "唾液检测" | "saliva" => Some(M::Saliva),
        "血液" | "血检" | "血液检测" | "blood" => Some(M::Blood),
        _ => None,
    }
}

/// A test result from a sheet: 阴性/阴/−, 阳性/阳/+, 拒检/拒绝检测/逃避检测, or the code.
pub fn test_result_of(text: &str) -> Option<crate::TestResult> {
    use crate::TestResult as R;
    match normalize_header(text).as_str() {
        "阴性" | "阴" | "-" | "−" | "negative" => Some(R::Negative),
        "阳性" | "阳" | "+" | "positive" => Some(R::Positive),
        "拒检" | "拒绝检测" | "逃避检测" | "拒绝/逃避检测" | "refused" => Some(R::Refused),
        _ => None,
    }
}

/// True when a cell that must stay text (an ID number, a phone …) holds a number Excel has
/// already cut to 15 significant digits: scientific notation as Excel shows or a CSV saves it
/// (`3.1011019850319E+17`, `1.38E+10`, `4.30405E+17`), or a decimal number of more than 15
/// digits (`310110198503190000.0`). The lost digits cannot be known: such a cell is refused,
/// never reconstructed (DOMAIN §9: "two people must never collapse into one").
pub fn excel_number_damage(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).map(crate::id_number::to_half_width).collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let t = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if let Some((mantissa, exp)) = t.split_once(['E', 'e']) {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let mantissa_ok = match mantissa.split_once('.') {
            Some((a, b)) => digits(a) && (b.is_empty() || digits(b)),
            None => digits(mantissa),
        };
        return mantissa_ok && digits(exp);
    }
    matches!(t.split_once('.'), Some((a, b)) if digits(a) && a.len() > 15 && (b.is_empty() || digits(b)))
}

/// The refusal (`msg.import.excel_number`) of a cell of the column `label_zh` / `label_en`
/// that [`excel_number_damage`] found: Excel dropped the last digits, and how to fix the column.
pub fn excel_number_message(label_zh: &str, label_en: &str, text: &str) -> Message {
    let shown: String = text.trim().chars().take(30).collect();
    Message::new("msg.import.excel_number")
        .label("column", label_zh.to_string(), label_en.to_string())
        .text("shown", shown)
}

/// A plain number in a date column of a workbook saved in the 1904 date system (Excel for Mac,
/// some WPS exports), as the date it means: serial 0 is 1904-01-01, so `41987` is 2018-12-15
/// (the same serial in the 1900 system is 2014-12-14, 1,462 days earlier). Returns the date as
/// `YYYY-MM-DD`, or `None` when the text is no serial (a typed date, text, a negative number),
/// which is then read as it is. A time fraction (`41987.5`) is dropped.
pub fn date_cell_1904(text: &str) -> Option<String> {
    let t = text.trim();
    let int = match t.split_once('.') {
        Some((a, b)) if b.bytes().all(|c| c.is_ascii_digit()) => a,
        Some(_) => return None,
        None => t,
    };
    if int.is_empty() || int.len() > 7 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = int.parse().ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_days(chrono::Days::new(n))?;
    (date <= chrono::NaiveDate::from_ymd_opt(9999, 12, 31)?).then(|| date.format("%Y-%m-%d").to_string())
}

/// The words a footer row of a registry starts with: totals and the signatures under the
/// table (合计：3人, 填表人：…, 审核人：…, 制表日期：…, 备注：…). Local default, from the
/// registries offices keep.
pub const FOOTER_WORDS: [&str; 23] = [
    "合计",
    "总计",
    "小计",
    "共计",
    "总人数",
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审批人",
    "负责人",
    "联系人",
    "经办人",
    "制表日期",
    "填表日期",
    "填报日期",
    "报送日期",
    "制表时间",
    "填表时间",
    "备注",
    "说明",
    "注",
    "演示数据",
];

/// The text of a footer row (see [`FOOTER_WORDS`]), or `None` for a row that may be a record.
/// A footer row's first non-empty cell starts with a footer word followed by a colon
/// (`填表人：张三`), or is a total (`合计`, `合计3人`, `共计：3人`), and its ID-number cell
/// (a [`SheetColumn::KEY`] column that [`SheetColumn::keeps_digits`]), unless it is that first
/// cell, holds no digit: a person named 备注 with an ID number stays a person.
pub fn footer_text<C: SheetColumn>(cells: &[String], header: &HeaderMap<C>) -> Option<String> {
    let (at, first) = cells.iter().map(|c| clean_cell(c)).enumerate().find(|(_, c)| !c.is_empty())?;
    let numbered = C::KEY.iter().filter(|k| k.keeps_digits()).any(|k| {
        // An ID number or phone, even a mistyped one, has at least 6 digits; a count written in
        // the ID column of a footer (`合计,4人`) does not.
        header.columns.get(k).is_some_and(|i| *i != at)
            && header.cell(cells, *k).chars().filter(char::is_ascii_digit).count() >= 6
    });
    if numbered {
        return None;
    }
    let norm: String = first.chars().map(crate::id_number::to_half_width).filter(|c| !c.is_whitespace()).collect();
    let footer = FOOTER_WORDS.iter().any(|w| {
        norm.strip_prefix(w).is_some_and(|rest| {
            rest.starts_with(':')
                || (matches!(*w, "合计" | "总计" | "小计" | "共计")
                    && (rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit())))
                // The line Jindu's own exports end with in a demo deployment.
                || (*w == "演示数据" && (rest.is_empty() || rest.starts_with('(')))
        })
    });
    footer.then(|| {
        cells
            .iter()
            .map(|c| clean_cell(c))
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(80)
            .collect()
    })
}

/// A drug type as registries write it (吸毒种类 / 滥用毒品种类 / 检出毒品): the names Jindu
/// shows (甲基苯丙胺(冰毒), either part), the code, or the words offices use: 冰毒, 冰, 溜冰, 麻古,
/// 麻果 (methamphetamine tablets), 甲基苯丙胺; 海洛因, 白粉; K粉, K仔, 氯胺酮; 摇头丸, MDMA;
/// 大麻; 可卡因; 吗啡; 其他. Several types in one cell (`冰毒、K粉`) give the first, the main one
/// (主要滥用毒品); `None` when that one is not recognised. Aliases: local default.
pub fn substance_of(text: &str) -> Option<crate::Substance> {
    use crate::Substance as S;
    let first = normalize_header(text);
    let first = first.split(['、', ',', '，', '/', ';', '；', '+']).find(|p| !p.is_empty())?;
    let alias = match first {
        "冰毒" | "冰" | "溜冰" | "麻古" | "麻果" | "甲基苯丙胺" | "甲基苯丙胺片剂" => {
            Some(S::Methamphetamine)
        }
        "海洛因" | "白粉" | "海洛英" => Some(S::Heroin),
        "k粉" | "k仔" | "k" | "氯胺酮" => Some(S::Ketamine),
        "摇头丸" | "mdma" | "迷魂药" => Some(S::Mdma),
        "大麻" | "大麻烟" => Some(S::Cannabis),
        "可卡因" => Some(S::Cocaine),
        "吗啡" => Some(S::Morphine),
        "其他" | "其它" => Some(S::Other),
        _ => None,
    };
    alias.or_else(|| {
        S::ALL.iter().copied().find(|s| {
            let zh = normalize_header(s.label_zh());
            first == s.as_code()
                || first == s.label_en().to_ascii_lowercase()
                || first == zh
                || zh.split(['(', ')']).any(|part| !part.is_empty() && part == first)
        })
    })
}

/// A header cell made comparable: full-width letters, digits and brackets to half-width,
/// spaces, line breaks, `*` and `＊` (required marks), trailing colons and zero-width characters
/// removed, ASCII lower-cased. `"公民身份\n号码＊"` → `"公民身份号码"`; `"乡镇（街道）"` → `"乡镇(街道)"`.
pub fn normalize_header(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '\u{200B}' | '\u{FEFF}'))
        .collect::<String>()
        .trim_end_matches(':')
        .to_ascii_lowercase()
}

/// A cell's text cleaned for checking: zero-width characters and byte-order marks removed,
/// surrounding whitespace (including the ideographic space) trimmed, and a leading apostrophe
/// before a digit or before `= + - @` dropped: the mark that keeps a number as text in Excel
/// (`'310110198503190012`, written into a CSV as it was typed) and the one Jindu's own CSV
/// export puts before such text against formula injection.
pub fn clean_cell(s: &str) -> String {
    let t = s.chars().filter(|c| !matches!(c, '\u{200B}' | '\u{FEFF}')).collect::<String>();
    let t = t.trim();
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '=' | '+' | '-' | '@')) => {
            rest.trim().to_string()
        }
        _ => t.to_string(),
    }
}

/// True when a number cell (ID number, phone) holds a masked number as Jindu and other systems
/// show it (`430405********1234`, `138****5678`): the hidden digits cannot be imported.
pub fn masked_number(text: &str) -> bool {
    let t = text.trim();
    t.contains(['*', '＊']) && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '＊' | 'X' | 'x' | ' '))
}

/// The refusal (`msg.import.masked`) of a masked number in the column `label_zh` / `label_en`
/// (see [`masked_number`]).
pub fn masked_number_message(label_zh: &str, label_en: &str, text: &str) -> Message {
    let shown: String = text.trim().chars().take(30).collect();
    Message::new("msg.import.masked").label("column", label_zh.to_string(), label_en.to_string()).text("shown", shown)
}

/// Rows searched for the header (title rows and notes above it are skipped).
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Where the header is and which column holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap<C: SheetColumn = PersonColumn> {
    /// 0-based index of the header row in the sheet.
    pub row: usize,
    /// Column index of each recognised column.
    pub columns: BTreeMap<C, usize>,
    /// Headers not recognised (ignored), with their column index.
    pub ignored: Vec<(usize, String)>,
}

impl<C: SheetColumn> HeaderMap<C> {
    /// The cell of `column` in `row`, cleaned; empty when the column is absent or the row short.
    pub fn cell(&self, row: &[String], column: C) -> String {
        self.columns.get(&column).and_then(|i| row.get(*i)).map(|s| clean_cell(s)).unwrap_or_default()
    }

    /// The column index of the column whose [`SheetColumn::field`] is `field`, if the sheet has
    /// it: to list a row's problems in the order of the sheet's columns.
    pub fn index_of_field(&self, field: &str) -> Option<usize> {
        self.columns.iter().find(|(c, _)| c.field() == field).map(|(_, i)| *i)
    }
}

/// Why no header could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError<C: SheetColumn = PersonColumn> {
    /// No row among the first [`HEADER_SEARCH_ROWS`] names both key columns (姓名 and 身份证号
    /// for persons).
    NotFound,
    /// The header names these required columns nowhere (for persons: a 乡镇 or 社区 column).
    Missing(Vec<C>),
    /// Two columns mean the same thing: (column, first header, second header).
    Twice(C, String, String),
}

impl<C: SheetColumn> HeaderError<C> {
    /// The sentence (`msg.header.not_found`, `.missing`, `.twice`) naming the columns.
    pub fn message(&self) -> Message {
        let header = |c: &C| c.template_header().trim_end_matches('*').to_string();
        match self {
            HeaderError::NotFound => Message::new("msg.header.not_found")
                .text("rows", HEADER_SEARCH_ROWS)
                .label("first", header(&C::KEY[0]), format!("{} ({})", header(&C::KEY[0]), C::KEY[0].field()))
                .label("second", header(&C::KEY[1]), format!("{} ({})", header(&C::KEY[1]), C::KEY[1].field())),
            HeaderError::Missing(cols) => Message::new("msg.header.missing").label(
                "columns",
                cols.iter().map(header).collect::<Vec<_>>().join("、"),
                cols.iter().map(|c| c.field()).collect::<Vec<_>>().join(", "),
            ),
            HeaderError::Twice(c, a, b) => {
                Message::new("msg.header.twice").text("a", a).text("b", b).label("column", header(c), c.field())
            }
        }
    }
}

/// Finds the header of a person sheet: [`find_header_of`] for [`PersonColumn`].
///
/// # Errors
/// [`HeaderError`] as documented on its variants.
pub fn find_header(rows: &[Vec<String>]) -> Result<HeaderMap, HeaderError> {
    find_header_of::<PersonColumn>(rows)
}

/// Finds the header among the first [`HEADER_SEARCH_ROWS`] rows: the row with the most
/// recognised headers among those naming both [`SheetColumn::KEY`] columns (a merged title cell
/// spans the row above and names neither). Requires the [`SheetColumn::REQUIRED`] columns too.
///
/// # Errors
/// [`HeaderError`] as documented on its variants.
pub fn find_header_of<C: SheetColumn>(rows: &[Vec<String>]) -> Result<HeaderMap<C>, HeaderError<C>> {
    find_header_mapped(rows, &ColumnMapping::default())
}

/// 列对应: the user's own reading of a sheet whose layout the header words do not cover. Each
/// entry maps a header, as the file writes it, to a column, or to none (the column is ignored);
/// headers not named are read by their words as usual. `header_row` (1-based, as the
/// spreadsheet shows it) says which row is the header when it cannot be found. Kept with an
/// import so that the check and the commit read the file the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping<C: SheetColumn> {
    /// The header row, 1-based; `None` searches for it.
    pub header_row: Option<usize>,
    /// Normalised header text ([`normalize_header`]) → the column it means, `None` to ignore it.
    pub columns: BTreeMap<String, Option<C>>,
}

impl<C: SheetColumn> Default for ColumnMapping<C> {
    fn default() -> Self {
        ColumnMapping { header_row: None, columns: BTreeMap::new() }
    }
}

impl<C: SheetColumn> ColumnMapping<C> {
    /// Builds a mapping from (header, field) pairs as a form or the command line gives them:
    /// `field` is a column's field name ([`SheetColumn::field`]), `""` or `-` to ignore the
    /// column, `auto` to read it by its words.
    ///
    /// # Errors
    /// The refusal (`msg.mapping.*`) naming a field that is no column of this sheet, or a header
    /// row of 0.
    pub fn from_pairs<'a>(
        header_row: Option<usize>,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Message> {
        if header_row == Some(0) {
            return Err(Message::new("msg.mapping.header_row"));
        }
        let mut columns = BTreeMap::new();
        for (header, field) in pairs {
            let h = normalize_header(header);
            if h.is_empty() {
                continue;
            }
            let field = field.trim();
            let column = match field {
                "auto" => continue,
                "" | "-" | "ignore" => None,
                f => match C::COLUMNS.iter().copied().find(|c| c.field() == f) {
                    Some(c) => Some(c),
                    None => {
                        return Err(Message::new("msg.mapping.field")
                            .text("header", header.trim())
                            .text("field", f)
                            .text("fields", fields_list::<C>()));
                    }
                },
            };
            columns.insert(h, column);
        }
        Ok(ColumnMapping { header_row, columns })
    }

    /// True when nothing is mapped by hand.
    pub fn is_empty(&self) -> bool {
        self.header_row.is_none() && self.columns.is_empty()
    }

    /// The column a header means under this mapping: the user's choice first, then the words.
    pub fn column_of(&self, header: &str) -> Option<C> {
        match self.columns.get(&normalize_header(header)) {
            Some(choice) => *choice,
            None => C::from_header(header),
        }
    }

    /// The mapping as (header, field) pairs, `-` for an ignored column: the form of
    /// [`ColumnMapping::from_pairs`], for keeping and showing.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.columns.iter().map(|(h, c)| (h.clone(), c.map_or("-".to_string(), |c| c.field().to_string()))).collect()
    }
}

fn fields_list<C: SheetColumn>() -> String {
    C::COLUMNS
        .iter()
        .map(|c| format!("{}({})", c.field(), c.template_header().trim_end_matches('*')))
        .collect::<Vec<_>>()
        .join(", ")
}

/// [`find_header_of`] under a [`ColumnMapping`]: the mapped headers count as the columns they
/// are mapped to, both in finding the header row and in reading it; a given `header_row` is
/// taken as it is (it must still hold the key columns).
///
/// # Errors
/// [`HeaderError`] as documented on its variants; with a `header_row` that lacks a key column,
/// [`HeaderError::Missing`] naming it.
pub fn find_header_mapped<C: SheetColumn>(
    rows: &[Vec<String>],
    mapping: &ColumnMapping<C>,
) -> Result<HeaderMap<C>, HeaderError<C>> {
    let row_index = match mapping.header_row {
        Some(n) => {
            let i = n.saturating_sub(1);
            let row = rows.get(i).ok_or(HeaderError::NotFound)?;
            let cols: Vec<C> = row.iter().filter_map(|h| mapping.column_of(h)).collect();
            let missing: Vec<C> = C::KEY.iter().copied().filter(|k| !cols.contains(k)).collect();
            if !missing.is_empty() {
                return Err(HeaderError::Missing(missing));
            }
            i
        }
        None => {
            let mut best: Option<(usize, usize)> = None;
            for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
                let cols: Vec<C> = row.iter().filter_map(|h| mapping.column_of(h)).collect();
                if C::KEY.iter().all(|k| cols.contains(k)) {
                    let score = cols.len();
                    if best.is_none_or(|(_, s)| score > s) {
                        best = Some((i, score));
                    }
                }
            }
            best.ok_or(HeaderError::NotFound)?.0
        }
    };
    let row = rows.get(row_index).ok_or(HeaderError::NotFound)?;
    let mut columns: BTreeMap<C, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (i, h) in row.iter().enumerate() {
        match mapping.column_of(h) {
            Some(c) => {
                if let Some(first) = columns.get(&c) {
                    let first_header = row.get(*first).cloned().unwrap_or_default();
                    return Err(HeaderError::Twice(c, clean_cell(&first_header), clean_cell(h)));
                }
                columns.insert(c, i);
            }
            None if !clean_cell(h).is_empty() => ignored.push((i, clean_cell(h))),
            None => {}
        }
    }
    for any in C::REQUIRED {
        if !any.iter().any(|c| columns.contains_key(c)) {
            return Err(HeaderError::Missing(any.iter().take(1).copied().collect()));
        }
    }
    Ok(HeaderMap { row: row_index, columns, ignored })
}

/// The division of a row as `resolve_division` takes it: the community's code or name path if
/// given (joined under the town's name when it is a bare name), else the town.
pub fn division_of(town: &str, community: &str) -> String {
    let (t, c) = (town.trim(), community.trim());
    match (t.is_empty(), c.is_empty()) {
        (_, true) => t.to_string(),
        (true, false) => c.to_string(),
        // A code or a path in the community column stands alone.
        (false, false) if c.bytes().all(|b| b.is_ascii_digit()) || c.contains('/') || c.contains(t) => c.to_string(),
        (false, false) => format!("{t}/{c}"),
    }
}

/// The divisions of a deployment, to resolve what a sheet says (a code, a name path with or
/// without `/`, or a bare name) to one division, in memory: an import of 100,000 rows asks
/// once per distinct text.
#[derive(Debug, Clone, Default)]
pub struct DivisionIndex {
    /// (code, name path with `/`, name path without `/`).
    rows: Vec<(String, String, String)>,
}

/// Why a division text resolved to no single division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DivisionLookup {
    /// Nothing of that code or name.
    NotFound,
    /// Several divisions end in that name: their name paths (at most five).
    Ambiguous(Vec<String>),
}

impl DivisionIndex {
    /// From (12-digit code, name path such as `湖南省/衡阳市/珠晖区/广东路街道`) pairs.
    /// A community is also found by its short name: the list says 湖北路社区居委会, a sheet
    /// 湖北路社区; and a village by the name offices give it: the list says 金甲村委会, a sheet
    /// 金甲村.
    pub fn new(rows: impl IntoIterator<Item = (String, String)>) -> DivisionIndex {
        let mut out = Vec::new();
        for (code, stored) in rows {
            // A path stored with a municipality's 市辖区 level is found without it too.
            let transparent = crate::division::transparent_path(&stored);
            let forms = if transparent == stored { vec![stored] } else { vec![transparent, stored] };
            for path in forms {
                Self::push_forms(&mut out, &code, path);
            }
        }
        DivisionIndex { rows: out }
    }

    /// Pushes a path and the short forms it is also found by.
    fn push_forms(out: &mut Vec<(String, String, String)>, code: &str, path: String) {
        {
            let short = path
                .split('/')
                .map(|part| {
                    ["居民委员会", "村民委员会", "居委会", "村委会", "委员会"]
                        .iter()
                        .find_map(|suffix| part.strip_suffix(suffix).filter(|s| !s.is_empty()))
                        .unwrap_or(part)
                })
                .collect::<Vec<_>>()
                .join("/");
            if short != path {
                out.push((code.to_string(), short.clone(), short.replace('/', "")));
            }
            let village = path
                .split('/')
                .map(|part| {
                    ["村民委员会", "村委会"]
                        .iter()
                        .find_map(|suffix| part.strip_suffix(suffix).filter(|s| !s.is_empty()))
                        .map_or_else(|| part.to_string(), |name| format!("{name}村"))
                })
                .collect::<Vec<_>>()
                .join("/");
            if village != path {
                out.push((code.to_string(), village.clone(), village.replace('/', "")));
            }
            out.push((code.to_string(), path.clone(), path.replace('/', "")));
        }
    }

    /// The code of the division `text` names: a 12-digit (or 9-digit) code; a name path whose
    /// last parts are given with `/` (`广东路街道/新民社区`) or run together (`珠晖区广东路街道`);
    /// or a bare name. Full-width characters and spaces are ignored.
    ///
    /// # Errors
    /// [`DivisionLookup::NotFound`], or [`DivisionLookup::Ambiguous`] with the candidates.
    pub fn resolve(&self, text: &str) -> Result<String, DivisionLookup> {
        let t: String = normalize_header(text);
        // A municipality's 市辖区 level written out is read as if it were not (see
        // `division::transparent_path`).
        let mut t = crate::division::transparent_path(t.trim_matches('/'));
        for (_, m) in crate::division::MUNICIPALITIES {
            if let Some(rest) = t.strip_prefix(m).and_then(|r| r.strip_prefix("市辖区")).filter(|r| !r.is_empty()) {
                t = format!("{m}{rest}");
            }
        }
        let t = t.as_str();
        if t.is_empty() {
            return Err(DivisionLookup::NotFound);
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            let code = format!("{t:0<12}");
            return if t.len() <= 12 && self.rows.iter().any(|(c, _, _)| *c == code) {
                Ok(code)
            } else {
                Err(DivisionLookup::NotFound)
            };
        }
        let slashed: Vec<&(String, String, String)> = if t.contains('/') {
            self.rows.iter().filter(|(_, p, _)| p == t || p.ends_with(&format!("/{t}"))).collect()
        } else {
            Vec::new()
        };
        // A path whose parts are run together in places (珠晖区广东路街道/湖北路社区) is read as
        // if written all run together.
        let flat = t.replace('/', "");
        let t = flat.as_str();
        let hits: Vec<&(String, String, String)> = if !slashed.is_empty() {
            slashed
        } else {
            // The last name exactly, or the run-together path ending in the text at a name boundary.
            self.rows
                .iter()
                .filter(|(_, p, flat)| {
                    p.rsplit('/').next() == Some(t)
                        || (flat.ends_with(t) && {
                            let mut suffix = String::new();
                            p.rsplit('/').any(|part| {
                                suffix.insert_str(0, part);
                                suffix == t
                            })
                        })
                })
                .collect()
        };
        let mut hits = hits;
        hits.dedup_by(|a, b| a.0 == b.0);
        match hits.as_slice() {
            [] => Err(DivisionLookup::NotFound),
            [one] => Ok(one.0.clone()),
            many => Err(DivisionLookup::Ambiguous(many.iter().take(5).map(|(_, p, _)| p.clone()).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing;

    #[test]
    fn control_statuses_are_read_as_registries_write_them() {
        use crate::ControlStatus as S;
        for (text, status) in [
            ("在控", S::UnderControl),
            ("在管", S::UnderControl),
            ("Under control", S::UnderControl),
            ("失控", S::LostContact),
            ("脱管", S::LostContact),
            ("羁押", S::InCustody),
            ("戒断三年未复吸", S::Abstinent3y),
            ("戒断三年", S::Abstinent3y),
            ("abstinent_3y", S::Abstinent3y),
            ("解除", S::Released),
            ("已解除", S::Released),
            ("死亡", S::Deceased),
            (" 出境 ", S::Abroad),
        ] {
            assert_eq!(control_status_of(text), Some(status), "{text}");
        }
        assert_eq!(control_status_of("良好"), None);
        assert_eq!(control_status_of(""), None);
    }

    fn rows(data: &[&[&str]]) -> Vec<Vec<String>> {
        data.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn numbers_excel_cut_are_recognised_in_every_form() {
        // As an .xlsx number cell reads (sheet.rs writes ≥10¹⁵ in Excel's form), as a CSV saves
        // what Excel showed, with a lower-case e, full-width, or a decimal tail.
        for damaged in [
            "3.1011019850319E+17",
            "3.10110198503E+17",
            "1.38E+10",
            "4.30405E+17",
            "1E+15",
            "1.38e10",
            "３．１０１１０１９８５０３１９Ｅ＋１７",
            "310110198503190000.0",
            " 4.3040519850301E+17 ",
        ] {
            assert!(excel_number_damage(damaged), "{damaged}");
        }
        for fine in [
            "310110198503190012",
            "43040519850301123X",
            "430405850312113",
            "13907341201",
            "0734-8123456",
            "1.5",
            "E+17",
            "3.1E",
            "123456789012345.0",
            "",
        ] {
            assert!(!excel_number_damage(fine), "{fine}");
        }
        let m = excel_number_message("身份证号", "ID number", "3.1011019850319E+17");
        let (zh, en) = (testing::zh(&m), testing::en(&m));
        assert_eq!(
            zh,
            "身份证号“3.1011019850319E+17”已被Excel存成数字：Excel只保留15位有效数字，末尾几位已丢失，无法还原。请把该列单元格格式设为“文本”后重新输入，或在号码前加英文单引号（'）后重新输入。"
        );
        assert!(en.starts_with("ID number '3.1011019850319E+17' was stored by Excel as a number"), "{en}");
        assert!(en.contains("apostrophe (')"), "{en}");
    }

    #[test]
    fn serials_of_the_1904_date_system() {
        // 2018-12-15: serial 41987 in the 1904 system (43449 in the 1900 system).
        assert_eq!(date_cell_1904("41987"), Some("2018-12-15".into()));
        assert_eq!(date_cell_1904("41987.75"), Some("2018-12-15".into()));
        assert_eq!(date_cell_1904("0"), Some("1904-01-01".into()));
        assert_eq!(date_cell_1904("1"), Some("1904-01-02".into()));
        // A leap day: 1904-01-01 + 43889 days (45351 − 1462 in the 1900 system's terms).
        assert_eq!(date_cell_1904("43889"), Some("2024-02-29".into()));
        for typed in ["2018-12-15", "2018年12月15日", "20181215", "-5", "abc", "", "1.2.3"] {
            assert_eq!(date_cell_1904(typed), None, "{typed}");
        }
    }

    #[test]
    fn drug_types_are_read_with_the_words_offices_write() {
        use crate::Substance as S;
        for (text, want) in [
            ("冰毒", S::Methamphetamine),
            ("麻古", S::Methamphetamine),
            ("甲基苯丙胺(冰毒)", S::Methamphetamine),
            ("K粉", S::Ketamine),
            ("ｋ粉", S::Ketamine),
            ("氯胺酮", S::Ketamine),
            ("海洛因", S::Heroin),
            ("白粉", S::Heroin),
            ("摇头丸", S::Mdma),
            ("MDMA", S::Mdma),
            ("大麻", S::Cannabis),
            ("methamphetamine", S::Methamphetamine),
            ("冰毒、K粉", S::Methamphetamine),
            ("K粉,冰毒", S::Ketamine),
            ("其它", S::Other),
        ] {
            assert_eq!(substance_of(text), Some(want), "{text}");
        }
        assert_eq!(substance_of("可乐"), None);
        assert_eq!(substance_of(""), None);
        assert_eq!(PersonColumn::from_header("吸毒种类"), Some(PersonColumn::Substance));
        assert_eq!(PersonColumn::from_header("滥用毒品种类"), Some(PersonColumn::Substance));
    }

    #[test]
    fn footer_rows_are_told_from_persons() {
        let sheet = rows(&[&["序号", "姓名", "身份证号", "乡镇"]]);
        let h = find_header(&sheet).expect("header");
        let footer = |cells: &[&str]| footer_text(&cells.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &h);
        assert_eq!(footer(&["合计：3人", "", "", ""]), Some("合计：3人".into()));
        assert_eq!(footer(&["合计", "", "", "3人"]), Some("合计 3人".into()));
        assert_eq!(footer(&["", "合计3人"]), Some("合计3人".into()));
        assert!(footer(&["填表人：张三", "", "审核人：李四", "制表日期：2026年11月30日"]).is_some());
        assert_eq!(footer(&["审核人：李四"]), Some("审核人：李四".into()));
        assert_eq!(footer(&["制表日期: 2026-11-30"]), Some("制表日期: 2026-11-30".into()));
        assert_eq!(footer(&["备注：社区康复人员另表报送。"]), Some("备注：社区康复人员另表报送。".into()));
        assert!(footer(&["注：本表由街道填报"]).is_some());
        // Persons: a name that begins like a footer word, a person named 备注 with an ID number.
        assert_eq!(footer(&["1", "注明", "430405198503011234", "东风街道"]), None);
        assert_eq!(footer(&["备注：", "", "430405198503011234", ""]), None);
        assert_eq!(footer(&["3", "合计", "430405198503011234", ""]), None);
        assert_eq!(footer(&["", "", "", ""]), None);
        assert_eq!(footer(&["合计人员", "", "", ""]), None, "合计 followed by no number nor colon");
        // A footer whose count stands in the ID column (found by a hostile trial: `合计,4人`).
        assert_eq!(footer(&["合计", "", "4人", ""]), Some("合计 4人".into()));
        assert_eq!(footer(&["合计", "", "共12人", ""]), Some("合计 共12人".into()));
        // A truncated ID number still makes a person.
        assert_eq!(footer(&["合计", "", "43040519", ""]), None);
    }

    #[test]
    fn headers_are_normalised_before_matching() {
        assert_eq!(normalize_header("公民身份\n号码＊"), "公民身份号码");
        assert_eq!(normalize_header("乡镇（街道）"), "乡镇(街道)");
        assert_eq!(normalize_header(" 姓　名："), "姓名");
        assert_eq!(normalize_header("ID_Number"), "id_number");
        assert_eq!(PersonColumn::from_header("证件号码"), Some(PersonColumn::IdNumber));
        assert_eq!(PersonColumn::from_header("公民身份号码"), Some(PersonColumn::IdNumber));
        assert_eq!(PersonColumn::from_header("责任社工"), Some(PersonColumn::SocialWorker));
        assert_eq!(PersonColumn::from_header("序号"), None);
        assert_eq!(PersonColumn::from_header(""), None);
        // Every template header is recognised as its own column.
        for c in PersonColumn::ALL {
            assert_eq!(PersonColumn::from_header(c.template_header()), Some(c), "{c:?}");
        }
    }

    #[test]
    fn the_header_is_found_below_title_rows_and_merged_cells() {
        // A merged title (calamine gives its text in the first cell, the rest empty), a date line,
        // then the header; an unknown column is kept aside.
        let sheet = rows(&[
            &["珠晖区社区戒毒社区康复人员登记表", "", "", "", ""],
            &["填报单位：珠晖区禁毒办", "", "", "填报日期：2026年11月", ""],
            &["序号", "姓  名", "公民身份号码", "所属街道", "联系人"],
            &["1", "张三", "430405199001011234", "广东路街道", "李四"],
        ]);
        let h = find_header(&sheet).unwrap();
        assert_eq!(h.row, 2);
        assert_eq!(h.columns.get(&PersonColumn::Name), Some(&1));
        assert_eq!(h.columns.get(&PersonColumn::IdNumber), Some(&2));
        assert_eq!(h.columns.get(&PersonColumn::Town), Some(&3));
        assert_eq!(h.ignored, vec![(0, "序号".to_string()), (4, "联系人".to_string())]);
        let data = &sheet[3];
        assert_eq!(h.cell(data, PersonColumn::Name), "张三");
        assert_eq!(h.cell(data, PersonColumn::Phone), "", "absent column reads empty");
    }

    #[test]
    fn missing_and_doubled_columns_are_named() {
        assert_eq!(find_header(&rows(&[&["标题"], &["序号", "姓名"]])), Err(HeaderError::NotFound));
        let e = find_header(&rows(&[&["姓名", "身份证号", "电话"]])).unwrap_err();
        assert_eq!(e, HeaderError::Missing(vec![PersonColumn::Town]));
        assert_eq!(testing::zh(&e.message()), "表头缺少必填列：乡镇(街道)。");
        assert_eq!(testing::en(&e.message()), "The header lacks required columns: town.");
        let e = find_header(&rows(&[&["姓名", "身份证号", "证件号码", "街道"]])).unwrap_err();
        assert_eq!(e, HeaderError::Twice(PersonColumn::IdNumber, "身份证号".into(), "证件号码".into()));
        assert!(
            testing::zh(&e.message()).contains("“身份证号”和“证件号码”两列都表示“身份证号”"),
            "{}",
            testing::zh(&e.message())
        );
    }

    #[test]
    fn division_joins_town_and_community() {
        assert_eq!(division_of("广东路街道", ""), "广东路街道");
        assert_eq!(division_of("", "430405001001"), "430405001001");
        assert_eq!(division_of("广东路街道", "新民社区"), "广东路街道/新民社区");
        assert_eq!(division_of("广东路街道", "430405001001"), "430405001001");
        assert_eq!(division_of("广东路街道", "珠晖区/广东路街道/新民社区"), "珠晖区/广东路街道/新民社区");
        assert_eq!(clean_cell("\u{FEFF} 张三\u{200B} "), "张三");
        assert_eq!(clean_cell("'310110198503190012"), "310110198503190012");
        assert_eq!(clean_cell(" '+8613907341201"), "+8613907341201");
        assert_eq!(clean_cell("'张三"), "'张三");
        assert!(masked_number("430405********1234") && masked_number("138****5678"));
        assert!(!masked_number("430405198503011234") && !masked_number("张*") && !masked_number(""));
    }

    #[test]
    fn divisions_resolve_by_code_path_run_together_or_name() {
        let idx = DivisionIndex::new([
            ("430405000000".to_string(), "湖南省/衡阳市/珠晖区".to_string()),
            ("430405001000".to_string(), "湖南省/衡阳市/珠晖区/广东路街道".to_string()),
            ("430405001001".to_string(), "湖南省/衡阳市/珠晖区/广东路街道/新民社区".to_string()),
            ("430405002000".to_string(), "湖南省/衡阳市/珠晖区/东风路街道".to_string()),
            ("430405002001".to_string(), "湖南省/衡阳市/珠晖区/东风路街道/新民社区".to_string()),
            ("430405002002".to_string(), "湖南省/衡阳市/珠晖区/东风路街道/湖北路社区居委会".to_string()),
        ]);
        assert_eq!(idx.resolve("湖北路社区"), Ok("430405002002".into()), "without 居委会");
        assert_eq!(idx.resolve("湖北路社区居委会"), Ok("430405002002".into()));
        assert_eq!(idx.resolve("东风路街道湖北路社区"), Ok("430405002002".into()));
        assert_eq!(idx.resolve("430405001001"), Ok("430405001001".into()));
        assert_eq!(idx.resolve("430405001"), Ok("430405001000".into()), "9-digit town code");
        assert_eq!(idx.resolve("广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve("珠晖区广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve("珠晖区/广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve(" 广东路街道／新民社区 "), Ok("430405001001".into()));
        assert_eq!(idx.resolve("广东路街道新民社区"), Ok("430405001001".into()));
        // Parts run together on either side of a slash.
        assert_eq!(idx.resolve("珠晖区广东路街道/新民社区"), Ok("430405001001".into()));
        assert_eq!(idx.resolve(&division_of("珠晖区东风路街道", "湖北路社区")), Ok("430405002002".into()));
        assert_eq!(
            idx.resolve("新民社区"),
            Err(DivisionLookup::Ambiguous(vec![
                "湖南省/衡阳市/珠晖区/广东路街道/新民社区".into(),
                "湖南省/衡阳市/珠晖区/东风路街道/新民社区".into()
            ]))
        );
        // A name that only ends like a division is not one ("路街道" is no name).
        assert_eq!(idx.resolve("路街道"), Err(DivisionLookup::NotFound));
        assert_eq!(idx.resolve("430405009000"), Err(DivisionLookup::NotFound));
        assert_eq!(idx.resolve(""), Err(DivisionLookup::NotFound));
    }

    #[test]
    fn municipal_places_resolve_with_or_without_the_placeholder_level() {
        for stored in ["上海市/杨浦区/控江路街道", "上海市/市辖区/杨浦区/控江路街道"] {
            let idx = DivisionIndex::new([
                ("310110012000".to_string(), stored.to_string()),
                ("310110012003".to_string(), format!("{stored}/控江一村居委会")),
                ("310110001000".to_string(), stored.replace("控江路", "定海路")),
            ]);
            for text in [
                "上海市杨浦区控江路街道",
                "上海市/杨浦区/控江路街道",
                "杨浦区控江路街道",
                "杨浦区/控江路街道",
                "控江路街道",
                "310110012",
            ] {
                assert_eq!(idx.resolve(text), Ok("310110012000".into()), "{text} in {stored}");
            }
            assert_eq!(idx.resolve("上海市杨浦区控江路街道控江一村"), Ok("310110012003".into()), "{stored}");
            assert_eq!(idx.resolve("上海市市辖区杨浦区控江路街道"), Ok("310110012000".into()), "{stored}");
        }
    }

    #[test]
    fn a_village_is_found_by_the_name_offices_give_it() {
        // The division list says 金甲村委会 and 黄洲村民委员会; sheets say 金甲村 and 黄洲村
        // (found in the 社区(村) column of sheets saved by LibreOffice and openpyxl).
        let idx = DivisionIndex::new([
            ("430405100000".to_string(), "湖南省/衡阳市/珠晖区/茶山坳镇".to_string()),
            ("430405100006".to_string(), "湖南省/衡阳市/珠晖区/茶山坳镇/金甲居委会".to_string()),
            ("430405100219".to_string(), "湖南省/衡阳市/珠晖区/茶山坳镇/金甲村委会".to_string()),
            ("430405100220".to_string(), "湖南省/衡阳市/珠晖区/茶山坳镇/黄洲村民委员会".to_string()),
            ("430405100224".to_string(), "湖南省/衡阳市/珠晖区/茶山坳镇/皇田村".to_string()),
        ]);
        assert_eq!(idx.resolve(&division_of("茶山坳镇", "金甲村")), Ok("430405100219".into()));
        assert_eq!(idx.resolve("金甲村"), Ok("430405100219".into()));
        assert_eq!(idx.resolve("茶山坳镇金甲村"), Ok("430405100219".into()));
        assert_eq!(idx.resolve("黄洲村"), Ok("430405100220".into()));
        assert_eq!(idx.resolve("皇田村"), Ok("430405100224".into()), "listed without a suffix");
        assert_eq!(idx.resolve("金甲村委会"), Ok("430405100219".into()));
        assert_eq!(idx.resolve("金甲居委会"), Ok("430405100006".into()));
        // The bare name stays what it was: both 金甲s.
        assert!(matches!(idx.resolve("金甲"), Err(DivisionLookup::Ambiguous(p)) if p.len() == 2));
    }

    #[test]
    fn an_event_sheet_header_is_found_below_its_title() {
        let rows: Vec<Vec<String>> = vec![
            vec!["2026年尿检记录".into()],
            vec!["序号".into(), "姓名".into(), "公民身份号码".into(), "检测时间".into(), "事项".into(), "结果".into()],
        ];
        let h = find_header_of::<EventColumn>(&rows).unwrap();
        assert_eq!(h.row, 1);
        assert_eq!(h.columns.get(&EventColumn::IdNumber), Some(&2));
        assert_eq!(h.columns.get(&EventColumn::Date), Some(&3));
        assert_eq!(h.columns.get(&EventColumn::Kind), Some(&4));
        assert_eq!(h.columns.get(&EventColumn::TestResult), Some(&5));
        assert_eq!(h.ignored, vec![(0, "序号".to_string())]);
        // Without a 类型 column: named as missing.
        let rows: Vec<Vec<String>> = vec![vec!["身份证号".into(), "日期".into()]];
        let e = find_header_of::<EventColumn>(&rows).unwrap_err();
        assert_eq!(e, HeaderError::Missing(vec![EventColumn::Kind]));
        assert_eq!(testing::zh(&e.message()), "表头缺少必填列：类型。");
        let e = find_header_of::<EventColumn>(&[vec!["姓名".into()]]).unwrap_err();
        assert!(testing::zh(&e.message()).contains("“身份证号”和“日期”"), "{}", testing::zh(&e.message()));
    }

    #[test]
    fn event_words_of_registries_are_understood() {
        use crate::{EventKind as K, TestMethod as M, TestResult as R};
        assert_eq!(event_kind_of("尿检"), Some((K::DrugTest, Some(M::Urine))));
        assert_eq!(event_kind_of(" 家访 "), Some((K::Visit, None)));
        assert_eq!(event_kind_of("谈心谈话"), Some((K::Interview, None)));
        assert_eq!(event_kind_of("报到"), Some((K::CheckIn, None)));
        assert_eq!(event_kind_of("措施结束"), None, "measure events are not brought by a sheet");
        assert_eq!(test_result_of("阴性"), Some(R::Negative));
        assert_eq!(test_result_of("＋"), Some(R::Positive));
        assert_eq!(test_result_of("拒检"), Some(R::Refused));
        assert_eq!(test_method_of("毛发"), Some(M::Hair));
        assert_eq!(test_result_of("待定"), None);
    }

    #[test]
    fn a_mapping_reads_a_layout_the_words_do_not_cover() {
        // 人员编号 means nothing to Jindu; 证照号 is the office's word for the ID number; the
        // header is on row 3 under a title and a blank row.
        let sheet = rows(&[
            &["2026年吸毒人员台账", "", "", ""],
            &[],
            &["人员编号", "当事人", "证照号", "所属街道"],
            &["7", "张三", "110101199003070016", "广东路街道"],
        ]);
        assert_eq!(find_header(&sheet), Err(HeaderError::NotFound));
        let mapping = ColumnMapping::<PersonColumn>::from_pairs(
            None,
            [("当事人", "name"), ("证照号 ", "id_number"), ("人员编号", "-")],
        )
        .expect("fields exist");
        let h = find_header_mapped(&sheet, &mapping).expect("header under the mapping");
        assert_eq!(h.row, 2);
        assert_eq!(h.columns.get(&PersonColumn::Name), Some(&1));
        assert_eq!(h.columns.get(&PersonColumn::IdNumber), Some(&2));
        assert_eq!(h.columns.get(&PersonColumn::Town), Some(&3));
        // The ignored column is listed as ignored, not read.
        assert_eq!(h.ignored, vec![(0, "人员编号".to_string())]);
        assert_eq!(h.cell(&sheet[3], PersonColumn::IdNumber), "110101199003070016");
        // A field that is no column is refused with its name; row 0 is refused.
        let m = ColumnMapping::<PersonColumn>::from_pairs(None, [("证照号", "passport")]).unwrap_err();
        let (zh, en) = (testing::zh(&m), testing::en(&m));
        assert!(zh.contains("passport") && zh.contains("id_number(身份证号)"), "{zh}");
        assert!(en.contains("\"passport\""), "{en}");
        assert!(ColumnMapping::<PersonColumn>::from_pairs(Some(0), []).is_err());
    }

    #[test]
    fn a_given_header_row_is_taken_and_must_hold_the_keys() {
        let sheet = rows(&[&["姓名", "身份证号", "乡镇"], &["姓名", "证件号码", "乡镇", "备注"], &["张三", "x", "y"]]);
        // Searching picks the row with more recognised headers (row 2); a given row 1 is kept.
        assert_eq!(find_header(&sheet).map(|h| h.row), Ok(1));
        let first = ColumnMapping::<PersonColumn>::from_pairs(Some(1), []).expect("row 1");
        assert_eq!(find_header_mapped(&sheet, &first).map(|h| h.row), Ok(0));
        let third = ColumnMapping::<PersonColumn>::from_pairs(Some(3), []).expect("row 3");
        assert_eq!(
            find_header_mapped(&sheet, &third),
            Err(HeaderError::Missing(vec![PersonColumn::Name, PersonColumn::IdNumber]))
        );
        let beyond = ColumnMapping::<PersonColumn>::from_pairs(Some(9), []).expect("row 9");
        assert_eq!(find_header_mapped(&sheet, &beyond), Err(HeaderError::NotFound));
        // Mapping a second 身份证 column away resolves a doubled column.
        let doubled = rows(&[&["姓名", "身份证号", "证件号码", "乡镇"]]);
        assert!(matches!(find_header(&doubled), Err(HeaderError::Twice(PersonColumn::IdNumber, _, _))));
        let mapping = ColumnMapping::<PersonColumn>::from_pairs(None, [("证件号码", "")]).expect("ignore");
        assert_eq!(find_header_mapped(&doubled, &mapping).map(|h| h.columns[&PersonColumn::IdNumber]), Ok(1));
    }

    #[test]
    fn measure_sheet_words_are_understood() {
        use crate::{EndReason, MeasureKind};
        let sheet =
            rows(&[&["身份证号码", "姓名", "措施类型", "责令日期", "报到时间", "解除日期", "解除原因", "豁免已核查"]]);
        let h = find_header_of::<MeasureColumn>(&sheet).expect("measure header");
        assert_eq!(h.columns.len(), 8);
        assert_eq!(h.columns[&MeasureColumn::EndReason], 6);
        assert_eq!(measure_kind_of("社戒"), Some(MeasureKind::CommunityDetox));
        assert_eq!(measure_kind_of("社区康复"), Some(MeasureKind::CommunityRehab));
        assert_eq!(measure_kind_of("强 戒"), Some(MeasureKind::CompulsoryIsolation));
        assert_eq!(measure_kind_of("戒毒"), None);
        assert_eq!(end_reason_of("期满"), Some(EndReason::Expiry));
        assert_eq!(end_reason_of("被判刑(终止)"), Some(EndReason::Imprisonment));
        assert_eq!(end_reason_of("转强戒"), Some(EndReason::ToCompulsoryIsolation));
        assert_eq!(end_reason_of("death"), Some(EndReason::Death));
        assert_eq!(end_reason_of("出国"), None);
        assert!(yes_of("是") && yes_of(" Y ") && yes_of("√") && !yes_of("") && !yes_of("否"));
    }
}
