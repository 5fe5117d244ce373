//! Virtual MFA devices: enabled for one user at a time, deleted only when
//! enabled for nobody, and a TOTP code accepted once.

use crate::{Conflict, Existing, Missing, StoreError};

/// Whether a device is enabled for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assignment {
    /// Enabled for nobody.
    Free,
    /// Enabled for a user.
    Enabled,
}

impl Assignment {
    /// From the device's user, if it has one.
    pub(crate) fn of(user_id: Option<&str>) -> Self {
        if user_id.is_some() {
            Self::Enabled
        } else {
            Self::Free
        }
    }
}

fn missing(serial_number: &str) -> StoreError {
    Missing::MfaDevice(serial_number.to_string()).into()
}

/// Whether device `serial_number` (`None`: not in the account) may be
/// enabled for a user that has `enabled` devices already.
pub(crate) fn enable(
    serial_number: &str,
    device: Option<Assignment>,
    enabled: i64,
) -> Result<(), StoreError> {
    match device {
        None => Err(missing(serial_number)),
        Some(Assignment::Enabled) => Err(Existing::MfaDeviceInUse.into()),
        Some(Assignment::Free) => super::quotas::new_mfa_device(enabled),
    }
}

/// Whether device `serial_number` (`None`: not in the account) may be deleted.
pub(crate) fn delete(serial_number: &str, device: Option<Assignment>) -> Result<(), StoreError> {
    match device {
        None => Err(missing(serial_number)),
        Some(Assignment::Enabled) => Err(Conflict::MfaDeviceInUse.into()),
        Some(Assignment::Free) => Ok(()),
    }
}

/// Whether a device enabled for a user (`assignment`) whose latest accepted
/// time step is `last_used` accepts a code of time step `step`: only a
/// later one, so that no code is accepted twice.
pub(crate) fn accepts_step(assignment: Assignment, last_used: Option<i64>, step: i64) -> bool {
    assignment == Assignment::Enabled && last_used.is_none_or(|last| last < step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_enabled_once_and_deleted_when_free() {
        assert!(enable("s", Some(Assignment::Free), 7).is_ok());
        assert!(matches!(
            enable("s", Some(Assignment::Free), 8),
            Err(StoreError::LimitExceeded(_))
        ));
        assert!(matches!(
            enable("s", Some(Assignment::Enabled), 0),
            Err(StoreError::AlreadyExists(Existing::MfaDeviceInUse))
        ));
        assert!(matches!(
            enable("s", None, 0),
            Err(StoreError::NotFound(Missing::MfaDevice(s))) if s == "s"
        ));
        assert!(delete("s", Some(Assignment::Free)).is_ok());
        assert!(matches!(
            delete("s", Some(Assignment::Enabled)),
            Err(StoreError::Conflict(Conflict::MfaDeviceInUse))
        ));
        assert!(matches!(delete("s", None), Err(StoreError::NotFound(_))));
    }

    #[test]
    fn only_later_steps_of_enabled_devices_are_accepted() {
        assert!(accepts_step(Assignment::Enabled, None, 5));
        assert!(accepts_step(Assignment::Enabled, Some(4), 5));
        assert!(!accepts_step(Assignment::Enabled, Some(5), 5));
        assert!(!accepts_step(Assignment::Enabled, Some(6), 5));
        assert!(!accepts_step(Assignment::Free, None, 5));
    }
}
