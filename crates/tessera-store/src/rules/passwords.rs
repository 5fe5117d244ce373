//! Console passwords: how many previous passwords a user's history keeps.

/// The most previous passwords a user's history keeps, the current one
/// included: the largest `PasswordReusePrevention` a password policy may
/// set.
pub const PASSWORDS_REMEMBERED: i64 = 24;

/// How many of a user's latest passwords a read of its history returns
/// when `asked` for.
pub(crate) fn history_limit(asked: usize) -> i64 {
    i64::try_from(asked)
        .unwrap_or(i64::MAX)
        .min(PASSWORDS_REMEMBERED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_keeps_what_the_policy_can_ask_for() {
        assert_eq!(history_limit(0), 0);
        assert_eq!(history_limit(5), 5);
        assert_eq!(history_limit(24), 24);
        assert_eq!(history_limit(usize::MAX), PASSWORDS_REMEMBERED);
    }
}
