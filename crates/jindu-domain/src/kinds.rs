//! The enumerations of the field, each with a stable storage code (`as_code` / `from_code`),
//! a Chinese label and an English label. Storage codes never change once shipped.

use serde::{Deserialize, Serialize};

/// Declares a closed enumeration with stable storage codes and bilingual labels.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Stable code stored in the database and used in URLs and forms.
            pub fn as_code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// Parses a storage code; `None` for an unknown code.
            pub fn from_code(code: &str) -> Option<Self> { match code { $($code => Some($name::$variant),)+ _ => None } }
            /// Chinese label (简体中文).
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            /// English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$variant => $en),+ } }
            /// Label in the given language (`"en"` for English, anything else Chinese).
            pub fn label(self, lang: &str) -> &'static str { if lang == "en" { self.label_en() } else { self.label_zh() } }
        }
    };
}

pub(crate) use coded_enum;

coded_enum!(
    /// 性别 sex, as derived from the ID number (odd sequence = male).
    Sex {
        Male => ("M", "男", "Male"),
        Female => ("F", "女", "Female"),
    }
);

coded_enum!(
    /// 戒毒措施 measure kind [禁毒法 §33, §38, §48; 戒毒条例 §10, §12].
    MeasureKind {
        /// 社区戒毒: 3 years from the report day.
        CommunityDetox => ("community_detox", "社区戒毒", "Community detox"),
        /// 强制隔离戒毒: 2 years from the decision date.
        CompulsoryIsolation => ("compulsory_isolation", "强制隔离戒毒", "Compulsory isolation"),
        /// 社区康复: up to 3 years from the report day.
        CommunityRehab => ("community_rehab", "社区康复", "Community rehabilitation"),
        /// 自愿戒毒: by agreement with a clinic; no statutory term.
        VoluntaryDetox => ("voluntary_detox", "自愿戒毒", "Voluntary detox"),
        /// 戒毒药物维持治疗: open-ended.
        MaintenanceTherapy => ("maintenance_therapy", "戒毒药物维持治疗", "Maintenance therapy"),
    }
);

coded_enum!(
    /// 措施状态 where a measure stands.
    MeasureStatus {
        /// 待报到: decided, the person has not yet reported.
        AwaitingReport => ("awaiting_report", "待报到", "Awaiting report"),
        /// 执行中.
        Active => ("active", "执行中", "Active"),
        /// 中止: paused by detention or arrest [戒毒条例 §24].
        Suspended => ("suspended", "中止", "Suspended"),
        /// 终止: ended early by imprisonment or compulsory education [戒毒条例 §24].
        Terminated => ("terminated", "终止", "Terminated"),
        /// 期满解除: ran its term [戒毒条例 §23].
        Expired => ("expired", "期满解除", "Expired"),
    }
);

coded_enum!(
    /// 管控状态 control status of a registered person.
    ControlStatus {
        UnderControl => ("under_control", "在控", "Under control"),
        LostContact => ("lost_contact", "失控", "Lost contact"),
        InCustody => ("in_custody", "羁押", "In custody"),
        Deceased => ("deceased", "死亡", "Deceased"),
        Abroad => ("abroad", "出境", "Abroad"),
        Abstinent3y => ("abstinent_3y", "戒断三年未复吸", "Abstinent 3 years"),
        Released => ("released", "解除", "Released"),
    }
);

coded_enum!(
    /// 吸毒成瘾认定 addiction finding (吸毒成瘾认定办法).
    AddictionFinding {
        NotAddicted => ("not_addicted", "未成瘾", "Not addicted"),
        Addicted => ("addicted", "成瘾", "Addicted"),
        SeverelyAddicted => ("severely_addicted", "成瘾严重", "Severely addicted"),
    }
);

coded_enum!(
    /// 工作记录 kind of a timeline event.
    EventKind {
        CheckIn => ("check_in", "报到", "Check-in"),
        DrugTest => ("drug_test", "检测", "Drug test"),
        Visit => ("visit", "走访", "Visit"),
        Interview => ("interview", "谈话", "Interview"),
        Assistance => ("assistance", "帮扶", "Assistance"),
        LeaveRequest => ("leave_request", "请假", "Leave request"),
        Violation => ("violation", "违反协议", "Violation"),
        Relapse => ("relapse", "复吸", "Relapse"),
        ContactLost => ("contact_lost", "失联", "Contact lost"),
        ContactRestored => ("contact_restored", "找回", "Contact restored"),
        Transfer => ("transfer", "转移", "Transfer"),
        MeasureDecided => ("measure_decided", "措施决定", "Measure decided"),
        MeasureStarted => ("measure_started", "措施开始", "Measure started"),
        MeasureSuspended => ("measure_suspended", "措施中止", "Measure suspended"),
        MeasureResumed => ("measure_resumed", "措施恢复", "Measure resumed"),
        MeasureEnded => ("measure_ended", "措施结束", "Measure ended"),
        StatusChanged => ("status_changed", "状态变更", "Status changed"),
        Amendment => ("amendment", "更正", "Amendment"),
        /// 销假: back from approved leave (戒毒条例 §19).
        LeaveReturn => ("leave_return", "销假", "Back from leave"),
        /// 擅自离开: left the county without approval (戒毒条例 §20(二)).
        UnauthorisedDeparture => ("unauthorised_departure", "擅自离开执行地", "Unauthorised departure"),
        /// 返回执行地 after an unauthorised departure.
        Returned => ("returned", "返回执行地", "Returned"),
        /// 严重违反协议上报公安 the report of a serious breach to the police (戒毒条例 §21).
        BreachReported => ("breach_reported", "严重违反协议报告公安", "Serious breach reported to police"),
        /// 风险评估: a manual re-assessment (automatic ones are kept without an event).
        RiskAssessed => ("risk_assessed", "风险评估", "Risk assessed"),
        /// 工作小组调整 / 社工调整: caseload or working-group change.
        Reassigned => ("reassigned", "责任社工调整", "Social worker reassigned"),
    }
);

coded_enum!(
    /// 检测方式 sample type of a drug test.
    TestMethod {
        Urine => ("urine", "尿检", "Urine"),
        Hair => ("hair", "毛发", "Hair"),
        Saliva => ("saliva", "唾液", "Saliva"),
        Blood => ("blood", "血液", "Blood"),
    }
);

coded_enum!(
    /// 检测结果 result of a drug test. `Refused` counts toward the serious-breach
    /// threshold of 戒毒条例 §20.
    TestResult {
        Negative => ("negative", "阴性", "Negative"),
        Positive => ("positive", "阳性", "Positive"),
        Refused => ("refused", "拒绝/逃避检测", "Refused or evaded"),
    }
);

coded_enum!(
    /// 毒品种类 substance found by a positive test or recorded as used.
    Substance {
        Methamphetamine => ("methamphetamine", "甲基苯丙胺(冰毒)", "Methamphetamine"),
        Heroin => ("heroin", "海洛因", "Heroin"),
        Ketamine => ("ketamine", "氯胺酮(K粉)", "Ketamine"),
        Mdma => ("mdma", "MDMA(摇头丸)", "MDMA"),
        Cannabis => ("cannabis", "大麻", "Cannabis"),
        Cocaine => ("cocaine", "可卡因", "Cocaine"),
        Morphine => ("morphine", "吗啡", "Morphine"),
        Other => ("other", "其他", "Other"),
    }
);

coded_enum!(
    /// 应办事项 kind of a scheduled duty (obligation).
    ObligationKind {
        CheckIn => ("check_in", "报到", "Check-in"),
        DrugTest => ("drug_test", "检测", "Drug test"),
        Visit => ("visit", "走访", "Visit"),
        Report => ("report", "首次报到期限", "Report deadline"),
        /// 异地报到期限: report at the new place of execution within 15 days of the transfer
        /// [戒毒条例 §22].
        TransferReport => ("transfer_report", "异地报到期限", "Report at the new place"),
    }
);

coded_enum!(
    /// 风险等级 risk tier (分级分类管控); **local**, labels configurable. Sets visit frequency.
    RiskTier {
        High => ("high", "高风险", "High"),
        Medium => ("medium", "中风险", "Medium"),
        Low => ("low", "低风险", "Low"),
    }
);

coded_enum!(
    /// 预警类别 kind of an alert in the alerts inbox (预警提醒). Who receives each kind is
    /// [`crate::alert::audience`].
    AlertKind {
        /// 逾期未履行: a check-in, test or visit is past its due date.
        DutyOverdue => ("duty_overdue", "逾期未履行", "Duty overdue"),
        /// 报到期限: the 15-day report deadline is near (3 days) or past [戒毒条例 §14, §38].
        ReportDue => ("report_due", "报到期限", "Report deadline"),
        /// 严重违反社区戒毒协议 [戒毒条例 §20, §21].
        SeriousBreach => ("serious_breach", "严重违反社区戒毒协议", "Serious breach"),
        /// 失控.
        LostContact => ("lost_contact", "失控", "Lost contact"),
        /// 失控升级: lost longer than the escalation period; goes to the district office.
        LostEscalated => ("lost_escalated", "失控超期（升级至区禁毒办）", "Lost contact escalated"),
        /// 请假逾期未归 [戒毒条例 §19, §20(三)].
        LeaveOverdue => ("leave_overdue", "请假逾期未归", "Not back from leave"),
        /// 解除强制隔离戒毒前通知: 3 days before release [戒毒条例 §34].
        ReleaseNotice => ("release_notice", "即将解除强制隔离戒毒", "Release from isolation due"),
        /// 期满解除通知: the term has run; notice within 7 days [戒毒条例 §23, §40].
        ExpiryNotice => ("expiry_notice", "期满待解除", "Term expired: notice due"),
        /// 风险等级为高.
        HighRisk => ("high_risk", "高风险人员", "High risk"),
        /// 戒断三年待确认 [戒毒条例 §7].
        AbstinenceCandidate => ("abstinence_candidate", "戒断三年待确认", "Three years abstinent: confirm"),
        /// 待接收的变更执行地申请 [戒毒条例 §22].
        TransferPending => ("transfer_pending", "待接收的变更执行地", "Transfer awaiting decision"),
    }
);

coded_enum!(
    /// 请假状态 where a leave request stands (戒毒条例 §19).
    LeaveStatus {
        Requested => ("requested", "待审批", "Awaiting approval"),
        Approved => ("approved", "已批准", "Approved"),
        Rejected => ("rejected", "不予批准", "Refused"),
        Cancelled => ("cancelled", "已撤销", "Cancelled"),
        /// 已销假: back.
        Returned => ("returned", "已销假", "Back"),
    }
);

coded_enum!(
    /// 工作小组成员身份 role of a working-group member [戒毒条例 §17].
    GroupRole {
        Staff => ("staff", "街道（乡镇）工作人员", "Town staff"),
        SocialWorker => ("social_worker", "禁毒社工", "Social worker"),
        CommunityPolice => ("community_police", "社区民警", "Community police officer"),
        Medical => ("medical", "社区医务人员", "Community medical staff"),
        Family => ("family", "家庭成员", "Family member"),
        Volunteer => ("volunteer", "志愿者", "Volunteer"),
    }
);

coded_enum!(
    /// 评估触发 why a risk assessment ran.
    AssessmentTrigger {
        Registration => ("registration", "登记", "Registration"),
        Event => ("event", "工作记录", "Recorded event"),
        Profile => ("profile", "信息变更", "Profile change"),
        Monthly => ("monthly", "每月复评", "Monthly review"),
        Table => ("table", "评估表调整", "Factor table changed"),
        Manual => ("manual", "人工复评", "Manual review"),
    }
);

coded_enum!(
    /// 措施结束原因 why a measure ended.
    EndReason {
        /// 期满 [戒毒条例 §23].
        Expiry => ("expiry", "期满解除", "Expiry"),
        /// 终止: imprisonment [戒毒条例 §24].
        Imprisonment => ("imprisonment", "被判刑(终止)", "Imprisonment (terminated)"),
        /// 终止: compulsory education [戒毒条例 §24].
        CompulsoryEducation => ("compulsory_education", "收容教育(终止)", "Compulsory education (terminated)"),
        /// 转强制隔离戒毒 after refusal or serious breach [禁毒法 §38].
        ToCompulsoryIsolation => ("to_compulsory_isolation", "转强制隔离戒毒(终止)", "Converted to compulsory isolation"),
        /// 死亡.
        Death => ("death", "死亡(终止)", "Death"),
        /// 其他.
        Other => ("other", "其他", "Other"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for &v in all {
                assert!(seen.insert(code(v)), "duplicate code {}", code(v));
                assert_eq!(parse(code(v)), Some(v));
            }
        }
        check(MeasureKind::ALL, MeasureKind::as_code, MeasureKind::from_code);
        check(ControlStatus::ALL, ControlStatus::as_code, ControlStatus::from_code);
        check(EventKind::ALL, EventKind::as_code, EventKind::from_code);
        check(Substance::ALL, Substance::as_code, Substance::from_code);
        check(EndReason::ALL, EndReason::as_code, EndReason::from_code);
        assert_eq!(MeasureKind::from_code("nope"), None);
        assert_eq!(MeasureKind::CommunityDetox.label("en"), "Community detox");
        assert_eq!(MeasureKind::CommunityDetox.label("zh"), "社区戒毒");
    }
}
