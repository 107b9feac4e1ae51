//! Time as a parameter (DOMAIN §11). Instants are UTC; the date of an instant is its
//! Asia/Shanghai calendar date, computed with the tz database and independent of the server's
//! `TZ` variable. [`system_now`] is the only place in Jindu that reads the system clock.

use chrono::{DateTime, NaiveDate, Utc};

/// The Asia/Shanghai calendar date of `instant` (DOMAIN §11). Uses the tz database, so the
/// daylight-saving years 1940–1949 and 1986–1991 are handled; never builds a local midnight.
pub fn shanghai_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// The current instant from the system clock. The one function allowed to call `Utc::now`;
/// everything else receives time as a parameter ([`Now`]).
#[allow(clippy::disallowed_methods)]
pub fn system_now() -> DateTime<Utc> {
    Utc::now()
}

/// "Now" as passed through a request: the instant (UTC) and today's Asia/Shanghai date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// The instant, UTC.
    pub instant: DateTime<Utc>,
    /// Today: the Asia/Shanghai calendar date of `instant` (DOMAIN §11).
    pub today: NaiveDate,
}

impl Now {
    /// `Now` at a given instant (tests, fixed clocks); `today` via [`shanghai_date`].
    pub fn at(instant: DateTime<Utc>) -> Now {
        Now { instant, today: shanghai_date(instant) }
    }

    /// `Now` from the system clock ([`system_now`]).
    pub fn system() -> Now {
        Now::at(system_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shanghai_is_utc_plus_8() {
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 16, 30, 0).unwrap();
        assert_eq!(shanghai_date(t), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 15, 59, 59).unwrap();
        assert_eq!(Now::at(t).today, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    }

    #[test]
    fn dst_era_works() {
        // 1988-04-10 was the first day of DST in China (UTC+9 from 02:00 local).
        let t = Utc.with_ymd_and_hms(1988, 4, 9, 16, 30, 0).unwrap();
        assert_eq!(shanghai_date(t), NaiveDate::from_ymd_opt(1988, 4, 10).unwrap());
        let t = Utc.with_ymd_and_hms(1988, 7, 1, 15, 30, 0).unwrap();
        // UTC+9 in summer 1988: 15:30Z is 00:30 the next day.
        assert_eq!(shanghai_date(t), NaiveDate::from_ymd_opt(1988, 7, 2).unwrap());
        let _ = Now::system();
    }
}
