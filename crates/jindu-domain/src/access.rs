//! 角色与权限 roles, permissions and the data scope (等保2.0 least privilege and separated
//! administration, DOMAIN §10). The default table is shipped here; an administrator may edit
//! the permissions of a role (stored by the application), never the scope rule: a user sees
//! the records whose division code starts with the prefix of their unit's division.

use crate::message::Message;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::kinds::{EventKind, coded_enum};

coded_enum!(
    /// 角色 a user's role. Each user has exactly one.
    Role {
        /// 系统管理员: accounts and settings, no case data (separated from business roles).
        SystemAdmin => ("system_admin", "系统管理员", "System administrator"),
        /// 禁毒办: the whole scope, read and write, configuration.
        Office => ("office", "禁毒办", "Anti-drug office"),
        /// 街道禁毒专干: a town's scope, read and write.
        TownOfficer => ("town_officer", "街道禁毒专干", "Town anti-drug officer"),
        /// 社工: own caseload at a workstation.
        SocialWorker => ("social_worker", "禁毒社工", "Social worker"),
        /// 派出所民警: a police station's scope: registration, tests, lost persons.
        Police => ("police", "派出所民警", "Police officer"),
        /// 成员单位: its own modules only (no person data).
        MemberUnit => ("member_unit", "成员单位", "Member unit"),
        /// 领导: indicators and counts, no personal details.
        Leader => ("leader", "领导", "Leader"),
        /// 审计员: the audit log, read-only.
        Auditor => ("auditor", "审计员", "Auditor"),
        /// 企业: an 易制毒化学品 enterprise's own account (issue #21): its own enterprise record
        /// only (`app_user.enterprise_id`), no person data.
        Enterprise => ("enterprise", "企业", "Enterprise"),
    }
);

coded_enum!(
    /// 权限 one thing a role may do. Checked in the service layer for every read and write.
    Permission {
        /// See counts and indicators (no names).
        ViewCounts => ("view_counts", "查看统计数", "View counts"),
        /// See persons: lists, person pages, the worklist (masked personal data).
        ViewPersons => ("view_persons", "查看人员", "View persons"),
        /// See full (unmasked) ID numbers, phones and addresses; each unmask is audited.
        Unmask => ("unmask", "查看完整敏感信息", "Unmask personal data"),
        /// Register persons and edit their records.
        EditPersons => ("edit_persons", "登记和修改人员", "Register and edit persons"),
        /// Decide, start, suspend, resume and end measures; change control status.
        ManageMeasures => ("manage_measures", "管理戒毒措施", "Manage measures"),
        /// Record drug tests.
        RecordTests => ("record_tests", "记录检测", "Record tests"),
        /// Record lost contact and contact restored.
        RecordContact => ("record_contact", "记录失联找回", "Record lost/found"),
        /// Record check-ins, visits, interviews, assistance, leave, violations, relapses, amendments.
        RecordWork => ("record_work", "记录日常工作", "Record casework"),
        /// Read the audit log.
        ReadAudit => ("read_audit", "查看审计日志", "Read the audit log"),
        /// See who viewed a person's record.
        ViewRecordAccess => ("view_record_access", "查看访问记录", "See who viewed a record"),
        /// Manage accounts and roles.
        ManageUsers => ("manage_users", "管理用户", "Manage users"),
        /// Change settings (schedules, calendar, the risk factor table).
        Configure => ("configure", "系统配置", "Configure"),
        /// Open a record sealed after three years' abstinence (戒毒条例 §7); every opening is
        /// audited.
        OpenSealed => ("open_sealed", "查阅封存档案", "Open sealed records"),
        /// File the police unit's monthly figures (公安月报: cases, arrests, users dealt with,
        /// seizures).
        ReportPolice => ("report_police", "填报公安月报", "File police monthly figures"),
        /// Keep evaluation schemes, run evaluations, score manual items, adjust, freeze and
        /// publish rankings (考评).
        ManageEvaluation => ("manage_evaluation", "管理考评", "Manage evaluations"),
        /// See the register of 易制毒化学品 enterprises (issue #21): the list, the enterprise
        /// page (personal data of its legal representative and manager masked unless `Unmask`).
        ViewEnterprises => ("view_enterprises", "查看易制毒企业", "View precursor enterprises"),
        /// Register and edit 易制毒化学品 enterprises.
        ManageEnterprises => ("manage_enterprises", "登记和修改易制毒企业", "Register and edit precursor enterprises"),
        /// Keep one's own enterprise record current (the 企业 account; `Actor::enterprise`).
        EditOwnEnterprise => ("edit_own_enterprise", "维护本企业信息", "Keep the own enterprise's record"),
        /// Record an enterprise's ledger (movements, stock-takes, transports, incidents) and import
        /// it from the enterprise's own files: the 企业 account for itself, the police and the
        /// office for any enterprise in scope.
        RecordLedger => ("record_ledger", "填报易制毒台账", "Record precursor ledgers"),
        /// Register and change credentials (许可证、备案证明) of enterprises.
        ManageCredentials => ("manage_credentials", "登记易制毒证照", "Register precursor credentials"),
        /// Handle the findings of the automatic checks (已处理 with a note) in the inbox of the
        /// supervising unit.
        HandleFindings => ("handle_findings", "处理易制毒预警", "Handle precursor findings"),
        /// Record inspections of enterprises (专项督查, 双随机) and their re-checks.
        InspectEnterprises => ("inspect_enterprises", "易制毒企业检查", "Inspect precursor enterprises"),
    }
);

/// What a role may do, and whether it is limited to the user's own caseload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleProfile {
    pub role: Role,
    pub permissions: BTreeSet<Permission>,
    /// Sees only persons assigned to the user (社工).
    pub own_caseload_only: bool,
}

impl RoleProfile {
    /// True when the role holds `p`.
    pub fn allows(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }
}

/// The shipped default for `role` (local default, editable by the administrator).
pub fn default_profile(role: Role) -> RoleProfile {
    use Permission::*;
    let set = |ps: &[Permission]| ps.iter().copied().collect::<BTreeSet<_>>();
    let (permissions, own) = match role {
        Role::SystemAdmin => (set(&[ManageUsers, Configure]), false),
        Role::Office => (
            set(&[
                ViewCounts,
                ViewPersons,
                Unmask,
                EditPersons,
                ManageMeasures,
                RecordTests,
                RecordContact,
                RecordWork,
                ViewRecordAccess,
                Configure,
                OpenSealed,
                ReportPolice,
                ManageEvaluation,
                ViewEnterprises,
                ManageEnterprises,
                RecordLedger,
                ManageCredentials,
                HandleFindings,
                InspectEnterprises,
            ]),
            false,
        ),
        Role::TownOfficer => (
            set(&[ViewCounts, ViewPersons, EditPersons, ManageMeasures, RecordTests, RecordContact, RecordWork]),
            false,
        ),
        Role::SocialWorker => (set(&[ViewCounts, ViewPersons, RecordTests, RecordContact, RecordWork]), true),
        Role::Police => (
            set(&[
                ViewCounts,
                ViewPersons,
                Unmask,
                EditPersons,
                RecordTests,
                RecordContact,
                ReportPolice,
                ViewEnterprises,
                ManageEnterprises,
                RecordLedger,
                ManageCredentials,
                HandleFindings,
                InspectEnterprises,
            ]),
            false,
        ),
        Role::MemberUnit => (set(&[]), false),
        Role::Leader => (set(&[ViewCounts]), false),
        Role::Auditor => (set(&[ReadAudit]), false),
        // Its own record only (the service limits it to `Actor::enterprise`); it keeps it
        // current. Unmask: the persons on the record are its own staff.
        Role::Enterprise => (set(&[ViewEnterprises, EditOwnEnterprise, RecordLedger, Unmask]), false),
    };
    RoleProfile { role, permissions, own_caseload_only: own }
}

/// A role edit that would break the separation of duties (三员分立, 等保2.0 三级 "安全管理中心":
/// system administrator, security administrator and auditor are separate): user administration
/// belongs to 系统管理员 alone, the audit log to 审计员 alone, and the system administrator sees
/// no case data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeparationOfDuties {
    pub role: Role,
    pub permission: Permission,
}

impl SeparationOfDuties {
    /// The refusal (`msg.role.separation`) naming the role and the permission.
    pub fn message(&self) -> Message {
        Message::new("msg.role.separation").label("role", self.role.label_zh(), self.role.label_en()).label(
            "permission",
            self.permission.label_zh(),
            self.permission.label_en(),
        )
    }
}

/// Permissions that read or change case data (persons, measures, records, counts).
pub const CASE_DATA: [Permission; 10] = [
    Permission::ViewCounts,
    Permission::ViewPersons,
    Permission::Unmask,
    Permission::EditPersons,
    Permission::ManageMeasures,
    Permission::RecordTests,
    Permission::RecordContact,
    Permission::RecordWork,
    Permission::ViewRecordAccess,
    Permission::OpenSealed,
];

/// Checks an edited role profile against the separation of duties: only 系统管理员 may hold
/// `ManageUsers`, only 审计员 may hold `ReadAudit`, and neither may hold case-data permissions.
///
/// # Errors
/// The first offending (role, permission).
pub fn check_profile(profile: &RoleProfile) -> Result<(), SeparationOfDuties> {
    let refuse = |permission| Err(SeparationOfDuties { role: profile.role, permission });
    for &p in &profile.permissions {
        match (profile.role, p) {
            (Role::SystemAdmin, Permission::ManageUsers) | (Role::Auditor, Permission::ReadAudit) => {}
            (_, Permission::ManageUsers | Permission::ReadAudit) => return refuse(p),
            (Role::SystemAdmin | Role::Auditor, p) if CASE_DATA.contains(&p) => return refuse(p),
            _ => {}
        }
    }
    Ok(())
}

coded_enum!(
    /// 全局设置 a setting or role profile that holds for the whole deployment (every division
    /// below its root), as opposed to records that belong to one division. Each is edited on one
    /// page; see [`check_deployment_wide`] for who may change it.
    DeploymentSetting {
        /// 角色权限 `/admin/roles`: what each role may do, in every division.
        RoleProfiles => ("role_profiles", "角色权限", "Role permissions"),
        /// 安全设置 `/admin/settings`: audit retention and the roles that need a second factor.
        Security => ("security", "安全设置（审计日志保存期、双因素认证角色）", "Security settings (audit retention, second-factor roles)"),
        /// 风险评估表 `/settings/risk`: the risk factor table, the alert and lost-contact rules and
        /// the tier labels.
        RiskTable => ("risk_table", "风险评估表、预警和失控规则", "Risk factor table, alert and lost-contact rules"),
        /// 指标设置 `/settings/indicators`: indicator targets and the social-worker ratio.
        IndicatorTargets => ("indicator_targets", "指标目标值和社工配比", "Indicator targets and social-worker ratio"),
    }
);

/// A change to a deployment-wide setting refused because the editor's scope is only part of
/// the deployment. `root` is the deployment root as the sentence shows it (name or code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootOnly {
    pub setting: DeploymentSetting,
    pub root: String,
}

impl RootOnly {
    /// The refusal (`msg.deployment.root_only`) naming the setting and the deployment's root.
    pub fn message(&self) -> Message {
        Message::new("msg.deployment.root_only")
            .label("setting", self.setting.label_zh(), self.setting.label_en())
            .text("root", &self.root)
    }
}

/// Who may change a deployment-wide setting: a user whose data scope `scope` covers the
/// deployment's root division `root` (the root itself, or above it). A user scoped to one
/// district of a city deployment would otherwise change every other district's permissions and
/// rules (issue #18 item 1). Local rule, the simplest sound one: no per-district overrides.
///
/// # Errors
/// [`RootOnly`] naming the setting and `root_label` (how the sentence names the root).
pub fn check_deployment_wide(
    setting: DeploymentSetting,
    scope: &crate::DivisionCode,
    root: &crate::DivisionCode,
    root_label: &str,
) -> Result<(), RootOnly> {
    if scope.contains(root) { Ok(()) } else { Err(RootOnly { setting, root: root_label.to_string() }) }
}

/// The permission needed to record an event of `kind` through the event form.
pub fn permission_for_event(kind: EventKind) -> Permission {
    match kind {
        EventKind::DrugTest => Permission::RecordTests,
        EventKind::ContactLost
        | EventKind::ContactRestored
        | EventKind::UnauthorisedDeparture
        | EventKind::Returned => Permission::RecordContact,
        EventKind::BreachReported => Permission::ManageMeasures,
        EventKind::Reassigned => Permission::EditPersons,
        EventKind::MeasureDecided
        | EventKind::MeasureStarted
        | EventKind::MeasureSuspended
        | EventKind::MeasureResumed
        | EventKind::MeasureEnded
        | EventKind::StatusChanged
        | EventKind::Transfer => Permission::ManageMeasures,
        _ => Permission::RecordWork,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing;

    #[test]
    fn administration_is_separated_from_case_data() {
        let admin = default_profile(Role::SystemAdmin);
        assert!(admin.allows(Permission::ManageUsers));
        assert!(!admin.allows(Permission::ViewPersons));
        assert!(!admin.allows(Permission::ViewCounts));
        let office = default_profile(Role::Office);
        assert!(!office.allows(Permission::ManageUsers));
        assert!(office.allows(Permission::ViewPersons) && office.allows(Permission::Unmask));
    }

    #[test]
    fn the_shipped_roles_keep_duties_separate_and_edits_that_mix_them_are_refused() {
        for role in Role::ALL {
            assert_eq!(check_profile(&default_profile(*role)), Ok(()), "{role:?}");
        }
        let mut admin = default_profile(Role::SystemAdmin);
        admin.permissions.insert(Permission::ViewPersons);
        assert_eq!(
            check_profile(&admin),
            Err(SeparationOfDuties { role: Role::SystemAdmin, permission: Permission::ViewPersons })
        );
        let mut office = default_profile(Role::Office);
        office.permissions.insert(Permission::ReadAudit);
        assert_eq!(check_profile(&office).map_err(|e| e.permission), Err(Permission::ReadAudit));
        let mut auditor = default_profile(Role::Auditor);
        auditor.permissions.insert(Permission::ManageUsers);
        assert!(testing::zh(&check_profile(&auditor).unwrap_err().message()).contains("三员分立"));
        // Within the business roles anything goes: e.g. leaders may be given person lists.
        let mut leader = default_profile(Role::Leader);
        leader.permissions.insert(Permission::ViewPersons);
        assert_eq!(check_profile(&leader), Ok(()));
    }

    #[test]
    fn only_a_scope_covering_the_deployment_root_changes_deployment_wide_settings() {
        let code = |s: &str| crate::DivisionCode::parse(s).unwrap();
        let city = code("4304");
        // (scope, root, allowed)
        let cases = [
            ("4304", "4304", true),         // the city's own administrator
            ("43", "4304", true),           // a scope above the root
            ("430405", "4304", false),      // one district of the city
            ("430406", "4304", false),      // another district
            ("430405009", "430405", false), // a town of a district deployment
            ("430405", "430405", true),     // a district deployment's root
            ("310110", "3101", false),      // 上海市辖区's 杨浦区
        ];
        for (scope, root, allowed) in cases {
            for setting in DeploymentSetting::ALL {
                let r = check_deployment_wide(*setting, &code(scope), &code(root), "衡阳市");
                assert_eq!(r.is_ok(), allowed, "{scope} at root {root}: {setting:?}");
            }
        }
        let e = check_deployment_wide(DeploymentSetting::RoleProfiles, &code("430405"), &city, "湖南省/衡阳市")
            .unwrap_err();
        assert_eq!(e, RootOnly { setting: DeploymentSetting::RoleProfiles, root: "湖南省/衡阳市".into() });
        assert!(
            testing::zh(&e.message()).starts_with("“角色权限”对整个部署（湖南省/衡阳市）生效"),
            "{}",
            testing::zh(&e.message())
        );
        assert!(testing::en(&e.message()).contains("'Role permissions' apply to the whole deployment (湖南省/衡阳市)"));
    }

    #[test]
    fn leaders_see_counts_only_and_auditors_the_log_only() {
        let leader = default_profile(Role::Leader);
        assert_eq!(leader.permissions.iter().copied().collect::<Vec<_>>(), vec![Permission::ViewCounts]);
        let auditor = default_profile(Role::Auditor);
        assert_eq!(auditor.permissions.iter().copied().collect::<Vec<_>>(), vec![Permission::ReadAudit]);
        assert!(default_profile(Role::MemberUnit).permissions.is_empty());
    }

    #[test]
    fn enterprises_are_kept_by_the_office_and_the_police_and_an_enterprise_sees_no_persons() {
        for role in [Role::Office, Role::Police] {
            let p = default_profile(role);
            assert!(p.allows(Permission::ViewEnterprises) && p.allows(Permission::ManageEnterprises), "{role:?}");
        }
        let own = default_profile(Role::Enterprise);
        assert!(own.allows(Permission::ViewEnterprises) && own.allows(Permission::EditOwnEnterprise));
        assert!(!own.allows(Permission::ManageEnterprises), "an enterprise registers no other");
        assert!(own.allows(Permission::RecordLedger), "an enterprise keeps its own ledger");
        for p in [Permission::ManageCredentials, Permission::HandleFindings, Permission::InspectEnterprises] {
            assert!(!own.allows(p), "an enterprise does not {p:?}");
        }
        for role in [Role::Office, Role::Police] {
            let p = default_profile(role);
            for q in [
                Permission::RecordLedger,
                Permission::ManageCredentials,
                Permission::HandleFindings,
                Permission::InspectEnterprises,
            ] {
                assert!(p.allows(q), "{role:?} {q:?}");
            }
        }
        for role in [Role::SystemAdmin, Role::Auditor, Role::Leader, Role::SocialWorker, Role::TownOfficer] {
            assert!(!default_profile(role).allows(Permission::ViewEnterprises), "{role:?}");
        }
        let e = default_profile(Role::Enterprise);
        assert!(!e.allows(Permission::ViewPersons) && !e.allows(Permission::ViewCounts));
    }

    #[test]
    fn police_register_test_and_find_but_do_not_visit() {
        let police = default_profile(Role::Police);
        assert!(police.allows(permission_for_event(EventKind::DrugTest)));
        assert!(police.allows(permission_for_event(EventKind::ContactLost)));
        assert!(police.allows(Permission::EditPersons));
        assert!(!police.allows(permission_for_event(EventKind::Visit)));
        assert!(!police.allows(permission_for_event(EventKind::Assistance)));
    }

    #[test]
    fn social_workers_keep_to_their_caseload_and_do_not_decide_measures() {
        let sw = default_profile(Role::SocialWorker);
        assert!(sw.own_caseload_only);
        assert!(sw.allows(permission_for_event(EventKind::Visit)));
        assert!(!sw.allows(permission_for_event(EventKind::MeasureSuspended)));
        assert!(!sw.allows(Permission::Unmask));
    }
}
