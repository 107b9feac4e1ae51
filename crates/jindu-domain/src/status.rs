//! Control status (管控状态) rules: which timeline events a status allows, what status an event
//! leads to, and which manual status changes are allowed (DOMAIN §1; 戒毒条例 §4, §7). The table
//! is Jindu's working rule (local default), not a statute.

use crate::error::DomainError;
use crate::kinds::{ControlStatus, EventKind};

/// Whether an event of `kind` may be recorded for a person whose control status is `status`:
/// - `Deceased`: only `Amendment` (corrections to the record);
/// - `Abroad`: only `StatusChanged` and `Amendment`;
/// - `InCustody`: everything but `CheckIn` (tests and visits in custody happen);
/// - `LostContact`: no `CheckIn`, `DrugTest`, `Visit` or another `ContactLost` — record
///   `ContactRestored` first;
/// - `Abstinent3y` / `Released` (left dynamic control, 戒毒条例 §7): `Visit`, `Interview`,
///   `Assistance`, `Relapse`, `DrugTest`, `StatusChanged`, `Amendment`;
/// - `UnderControl`: everything but `ContactRestored`.
///
/// # Errors
/// [`DomainError::IllegalTransition`] with `from` = the status code and `action` = the event code.
pub fn check_event_allowed(status: ControlStatus, kind: EventKind) -> Result<(), DomainError> {
    use EventKind as E;
    let allowed = match status {
        ControlStatus::Deceased => matches!(kind, E::Amendment),
        ControlStatus::Abroad => matches!(kind, E::StatusChanged | E::Amendment),
        ControlStatus::InCustody => !matches!(kind, E::CheckIn),
        ControlStatus::LostContact => !matches!(kind, E::CheckIn | E::DrugTest | E::Visit | E::ContactLost),
        ControlStatus::Abstinent3y | ControlStatus::Released => matches!(
            kind,
            E::Visit | E::Interview | E::Assistance | E::Relapse | E::DrugTest | E::StatusChanged | E::Amendment
        ),
        ControlStatus::UnderControl => !matches!(kind, E::ContactRestored),
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::IllegalTransition { from: status.as_code(), action: kind.as_code() })
    }
}

/// Control status after recording an allowed event of `kind`: `ContactLost` → `LostContact`;
/// `ContactRestored` → `UnderControl`; `Relapse` from `Abstinent3y` or `Released` →
/// `UnderControl` (back under dynamic control, 戒毒条例 §4); otherwise unchanged.
pub fn status_after(status: ControlStatus, kind: EventKind) -> ControlStatus {
    match (status, kind) {
        (_, EventKind::ContactLost) => ControlStatus::LostContact,
        (_, EventKind::ContactRestored) => ControlStatus::UnderControl,
        (ControlStatus::Abstinent3y | ControlStatus::Released, EventKind::Relapse) => ControlStatus::UnderControl,
        (s, _) => s,
    }
}

/// Whether a manual status change `from` → `to` is allowed: `Deceased` is final; a change to the
/// same status is refused; everything else is allowed.
///
/// # Errors
/// [`DomainError::IllegalTransition`] (`from` `deceased`, action = the new status code) for a
/// deceased person; [`DomainError::SameStatus`] when `from == to`.
pub fn check_status_change(from: ControlStatus, to: ControlStatus) -> Result<(), DomainError> {
    if from == ControlStatus::Deceased {
        return Err(DomainError::IllegalTransition {
            from: from.as_code(),
            action: EventKind::StatusChanged.as_code(),
        });
    }
    if from == to {
        return Err(DomainError::SameStatus { status: from.as_code() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: ControlStatus, k: EventKind) -> bool {
        check_event_allowed(s, k) == Err(DomainError::IllegalTransition { from: s.as_code(), action: k.as_code() })
    }

    #[test]
    fn deceased_allows_only_amendment() {
        assert!(refused(ControlStatus::Deceased, EventKind::DrugTest));
        assert!(refused(ControlStatus::Deceased, EventKind::StatusChanged));
        assert!(refused(ControlStatus::Deceased, EventKind::Visit));
        assert_eq!(check_event_allowed(ControlStatus::Deceased, EventKind::Amendment), Ok(()));
        for k in EventKind::ALL.iter().filter(|k| **k != EventKind::Amendment) {
            assert!(refused(ControlStatus::Deceased, *k), "{k:?}");
        }
    }

    #[test]
    fn abroad_custody_lost() {
        assert!(refused(ControlStatus::Abroad, EventKind::DrugTest));
        assert!(refused(ControlStatus::Abroad, EventKind::CheckIn));
        assert!(check_event_allowed(ControlStatus::Abroad, EventKind::StatusChanged).is_ok());
        assert!(refused(ControlStatus::InCustody, EventKind::CheckIn));
        assert!(check_event_allowed(ControlStatus::InCustody, EventKind::DrugTest).is_ok());
        for k in [EventKind::CheckIn, EventKind::DrugTest, EventKind::Visit, EventKind::ContactLost] {
            assert!(refused(ControlStatus::LostContact, k), "{k:?}");
        }
        assert!(check_event_allowed(ControlStatus::LostContact, EventKind::ContactRestored).is_ok());
        assert!(check_event_allowed(ControlStatus::LostContact, EventKind::Interview).is_ok());
    }

    #[test]
    fn left_control_and_under_control() {
        for s in [ControlStatus::Abstinent3y, ControlStatus::Released] {
            assert!(check_event_allowed(s, EventKind::Relapse).is_ok());
            assert!(check_event_allowed(s, EventKind::DrugTest).is_ok());
            assert!(refused(s, EventKind::CheckIn));
            assert!(refused(s, EventKind::ContactLost));
        }
        assert!(refused(ControlStatus::UnderControl, EventKind::ContactRestored));
        for k in EventKind::ALL.iter().filter(|k| **k != EventKind::ContactRestored) {
            assert!(check_event_allowed(ControlStatus::UnderControl, *k).is_ok(), "{k:?}");
        }
    }

    #[test]
    fn transitions() {
        assert_eq!(status_after(ControlStatus::UnderControl, EventKind::ContactLost), ControlStatus::LostContact);
        assert_eq!(status_after(ControlStatus::LostContact, EventKind::ContactRestored), ControlStatus::UnderControl);
        assert_eq!(status_after(ControlStatus::Abstinent3y, EventKind::Relapse), ControlStatus::UnderControl);
        assert_eq!(status_after(ControlStatus::Released, EventKind::Relapse), ControlStatus::UnderControl);
        assert_eq!(status_after(ControlStatus::InCustody, EventKind::Relapse), ControlStatus::InCustody);
        assert_eq!(status_after(ControlStatus::UnderControl, EventKind::DrugTest), ControlStatus::UnderControl);
    }

    #[test]
    fn status_changes() {
        assert_eq!(
            check_status_change(ControlStatus::Deceased, ControlStatus::UnderControl),
            Err(DomainError::IllegalTransition { from: "deceased", action: "status_changed" })
        );
        assert_eq!(
            check_status_change(ControlStatus::Abroad, ControlStatus::Abroad),
            Err(DomainError::SameStatus { status: "abroad" })
        );
        assert_eq!(check_status_change(ControlStatus::UnderControl, ControlStatus::Deceased), Ok(()));
        assert_eq!(check_status_change(ControlStatus::LostContact, ControlStatus::InCustody), Ok(()));
    }
}
