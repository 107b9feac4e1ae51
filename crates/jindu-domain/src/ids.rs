//! Record identifiers: newtypes over UUID version 7 (time-ordered), serialised as the plain UUID.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID (normally a v7 from [`Uuid::now_v7`]).
            pub fn new(now_uuid: Uuid) -> Self {
                Self(now_uuid)
            }
            /// A fresh UUID v7 id (time-ordered; reads the system clock through `uuid`).
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
            /// The inner UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            /// Parses the hyphenated UUID.
            ///
            /// # Errors
            #[doc = concat!("`DomainError::NotFound { what: \"", $what, "\" }` for text that is not a UUID.")]
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| DomainError::NotFound { what: $what })
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// Id of a registered person.
    PersonId,
    "person"
);
uuid_id!(
    /// Id of a measure (措施).
    MeasureId,
    "measure"
);
uuid_id!(
    /// Id of a timeline event (工作记录).
    EventId,
    "event"
);
uuid_id!(
    /// Id of a user account.
    UserId,
    "user"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = PersonId::generate();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        let back: PersonId = id.to_string().parse().unwrap();
        assert_eq!(back, id);
        assert_eq!("nope".parse::<MeasureId>(), Err(DomainError::NotFound { what: "measure" }));
        let u = Uuid::nil();
        assert_eq!(UserId::new(u).as_uuid(), u);
        assert_eq!(EventId::from(u).to_string(), "00000000-0000-0000-0000-000000000000");
    }
}
