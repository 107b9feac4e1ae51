//! 定责考责: the rules of responsibility letters (责任书), plan tasks (规划任务) and the files that
//! prove them. Pure; the store keeps the records.
//!
//! - A letter is 已签订 when it has both a signed date and a scan; otherwise 待签订 (registered,
//!   waiting for the signature or the scan). Local default, configurable by policy, not law.
//! - A task is 已完成 once the office closed it out (销账), whatever its due date; otherwise
//!   逾期 when today is after its due date, 进行中 once its owner reported progress or evidence,
//!   else 未开始.
//! - A member unit (成员单位) of the district's anti-drug committee is known by
//!   [`member_unit_code`]: the district's 6 digits, `U` and its number (`430405U07`), so it can
//!   never be mistaken for a division code (digits only).
//! - A file kept as proof is a PDF, a PNG or a JPEG, recognised by its first bytes (not by its
//!   name), of at most [`ATTACHMENT_LIMIT`] bytes.

use crate::message::Message;
use chrono::NaiveDate;

/// Largest stored file: 10 MiB (local default, configurable). A scanned A4 page at 300 dpi is
/// about 1 MB as JPEG; a signed letter of a few pages fits.
pub const ATTACHMENT_LIMIT: usize = 10 * 1024 * 1024;

/// The kinds of file kept as proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Pdf,
    Png,
    Jpeg,
}

impl AttachmentKind {
    /// The kind of `bytes` by their signature (`%PDF-`, the PNG signature, JPEG's `FF D8 FF`),
    /// `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentKind::Jpeg)
        } else {
            None
        }
    }

    /// MIME type for a `Content-Type` header.
    pub fn content_type(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Png => "image/png",
            AttachmentKind::Jpeg => "image/jpeg",
        }
    }
}

/// Why a file cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentError {
    Empty,
    /// Larger than [`ATTACHMENT_LIMIT`]: the size in bytes.
    TooLarge(usize),
    /// Not a PDF, PNG or JPEG.
    Kind,
}

impl AttachmentError {
    /// The sentence (`msg.attachment.empty`, `.too_large` with the size, `.kind`).
    pub fn message(self) -> Message {
        match self {
            AttachmentError::Empty => Message::new("msg.attachment.empty"),
            AttachmentError::TooLarge(n) => Message::new("msg.attachment.too_large")
                .text("size", format!("{:.1}", n as f64 / 1048576.0))
                .text("max", ATTACHMENT_LIMIT / 1048576),
            AttachmentError::Kind => Message::new("msg.attachment.kind"),
        }
    }
}

/// Checks a file to keep as proof: its kind, or why it cannot be kept.
///
/// # Errors
/// [`AttachmentError`] for an empty file, one over [`ATTACHMENT_LIMIT`], or one that is not a
/// PDF, PNG or JPEG.
pub fn check_attachment(bytes: &[u8]) -> Result<AttachmentKind, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if bytes.len() > ATTACHMENT_LIMIT {
        return Err(AttachmentError::TooLarge(bytes.len()));
    }
    AttachmentKind::sniff(bytes).ok_or(AttachmentError::Kind)
}

/// Status of a responsibility letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// 未签订: no letter registered for the unit and year.
    Missing,
    /// 待签订: registered, without a signed date or a scan.
    Pending,
    /// 已签订: signed date and scan.
    Signed,
}

impl LetterStatus {
    /// The status of a registered letter (see the module rules).
    pub fn of(signed_on: Option<NaiveDate>, has_scan: bool) -> LetterStatus {
        if signed_on.is_some() && has_scan { LetterStatus::Signed } else { LetterStatus::Pending }
    }

    /// 未签订 / 待签订 / 已签订.
    pub fn label_zh(self) -> &'static str {
        match self {
            LetterStatus::Missing => "未签订",
            LetterStatus::Pending => "待签订",
            LetterStatus::Signed => "已签订",
        }
    }

    /// Not registered / Awaiting signature / Signed.
    pub fn label_en(self) -> &'static str {
        match self {
            LetterStatus::Missing => "Not registered",
            LetterStatus::Pending => "Awaiting signature",
            LetterStatus::Signed => "Signed",
        }
    }
}

/// Status of a plan task (未开始 / 进行中 / 已完成 / 逾期).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// 逾期: past its due date and not closed out; `days` late (≥ 1).
    Overdue { days: i64 },
    /// 未开始.
    NotStarted,
    /// 进行中.
    InProgress,
    /// 已完成: closed out by the office.
    Done,
}

impl TaskStatus {
    /// The status on `today` of a task due on `due`, `started` once its owner reported progress,
    /// `closed` once closed out (see the module rules). Due on the 30th: on the 30th it is not
    /// late, on the 31st it is 1 day late.
    pub fn on(today: NaiveDate, due: NaiveDate, started: bool, closed: bool) -> TaskStatus {
        if closed {
            TaskStatus::Done
        } else if today > due {
            TaskStatus::Overdue { days: (today - due).num_days() }
        } else if started {
            TaskStatus::InProgress
        } else {
            TaskStatus::NotStarted
        }
    }

    /// `overdue`, `not_started`, `in_progress`, `done` (filters, CSS classes).
    pub fn code(self) -> &'static str {
        match self {
            TaskStatus::Overdue { .. } => "overdue",
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }

    /// 逾期 / 未开始 / 进行中 / 已完成.
    pub fn label_zh(self) -> &'static str {
        match self {
            TaskStatus::Overdue { .. } => "逾期",
            TaskStatus::NotStarted => "未开始",
            TaskStatus::InProgress => "进行中",
            TaskStatus::Done => "已完成",
        }
    }

    /// Overdue / Not started / In progress / Done.
    pub fn label_en(self) -> &'static str {
        match self {
            TaskStatus::Overdue { .. } => "Overdue",
            TaskStatus::NotStarted => "Not started",
            TaskStatus::InProgress => "In progress",
            TaskStatus::Done => "Done",
        }
    }
}

/// The code of the `n`th member unit (成员单位) of a district: its 6-digit code, `U`, and `n`
/// in two digits at least (`430405U01`, `430405U123`). Local convention of Jindu.
pub fn member_unit_code(district: crate::DivisionCode, n: u32) -> String {
    let digits = district.to_string();
    format!("{}U{n:02}", &digits[..digits.len().min(6)])
}

/// The (district prefix, number) of a member-unit code; `None` for anything else (a division
/// code, a typo).
pub fn parse_member_unit_code(code: &str) -> Option<(&str, u32)> {
    let (district, n) = code.split_once('U')?;
    let ok = district.len() == 6
        && district.bytes().all(|b| b.is_ascii_digit())
        && n.len() >= 2
        && n.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    Some((district, n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::message::testing;
    use crate::test_days::d;

    #[test]
    fn files_are_recognised_by_their_first_bytes() {
        assert_eq!(check_attachment(b"%PDF-1.7\n..."), Ok(AttachmentKind::Pdf));
        assert_eq!(check_attachment(b"\x89PNG\r\n\x1a\n\0\0"), Ok(AttachmentKind::Png));
        assert_eq!(check_attachment(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Ok(AttachmentKind::Jpeg));
        // A Word file renamed to .pdf is still a zip.
        assert_eq!(check_attachment(b"PK\x03\x04"), Err(AttachmentError::Kind));
        assert_eq!(check_attachment(b""), Err(AttachmentError::Empty));
        let big = vec![b'%'; ATTACHMENT_LIMIT + 1];
        assert_eq!(check_attachment(&big), Err(AttachmentError::TooLarge(10_485_761)));
        assert_eq!(testing::zh(&AttachmentError::TooLarge(10_485_761).message()), "文件过大（10.0 MB）：最大 10 MB。");
        let mut exactly = b"%PDF-".to_vec();
        exactly.resize(ATTACHMENT_LIMIT, b' ');
        assert_eq!(check_attachment(&exactly), Ok(AttachmentKind::Pdf), "10 MiB exactly is allowed");
    }

    #[test]
    fn a_letter_is_signed_with_a_date_and_a_scan() {
        assert_eq!(LetterStatus::of(Some(d("2026-03-01")), true), LetterStatus::Signed);
        assert_eq!(LetterStatus::of(Some(d("2026-03-01")), false), LetterStatus::Pending);
        assert_eq!(LetterStatus::of(None, true), LetterStatus::Pending);
    }

    #[test]
    fn task_status_follows_close_out_due_date_and_progress() {
        let due = d("2026-11-30");
        assert_eq!(TaskStatus::on(d("2026-11-30"), due, false, false), TaskStatus::NotStarted, "due today: not late");
        assert_eq!(TaskStatus::on(d("2026-12-01"), due, true, false), TaskStatus::Overdue { days: 1 });
        assert_eq!(TaskStatus::on(d("2027-01-01"), due, false, false), TaskStatus::Overdue { days: 32 });
        assert_eq!(TaskStatus::on(d("2026-11-01"), due, true, false), TaskStatus::InProgress);
        assert_eq!(TaskStatus::on(d("2027-01-01"), due, true, true), TaskStatus::Done, "closed out late is done");
    }

    #[test]
    fn member_unit_codes_round_trip_and_differ_from_division_codes() {
        let zhuhui: crate::DivisionCode = "430405000000".parse().unwrap();
        assert_eq!(member_unit_code(zhuhui, 7), "430405U07");
        assert_eq!(member_unit_code(zhuhui, 123), "430405U123");
        assert_eq!(parse_member_unit_code("430405U07"), Some(("430405", 7)));
        assert_eq!(parse_member_unit_code("430405001000"), None);
        assert_eq!(parse_member_unit_code("43040U07"), None);
        assert_eq!(parse_member_unit_code("430405U7"), None);
        assert_eq!(parse_member_unit_code("430405Uab"), None);
        assert!("430405U07".parse::<crate::DivisionCode>().is_err());
    }
}
