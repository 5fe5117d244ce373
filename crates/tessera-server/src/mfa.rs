//! Multi-factor authentication: TOTP codes (RFC 6238) of the virtual MFA
//! devices, verified for STS (`SerialNumber`/`TokenCode`) and IAM
//! (`EnableMFADevice`) alike.

use crate::{AppState, AwsError};
use tessera_store::MfaDevice;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Secret, Totp};

/// Seconds per TOTP time step (RFC 6238's default, as authenticator apps use).
pub(crate) const TOTP_STEP: i64 = 30;

/// The TOTP generator for a Base32 seed: SHA-1, 6 digits, 30-second steps;
/// `None` if the seed is not Base32 or too short.
pub(crate) fn totp(base32_seed: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(base32_seed).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(0)
        .with_step_duration(TOTP_STEP as u64)
        .with_secret(secret)
        .build()
        .ok()
}

/// Whether `code` is the code of time step `step`.
pub(crate) fn code_matches(totp: &Totp, code: &str, step: i64) -> bool {
    u64::try_from(step * TOTP_STEP)
        .ok()
        .is_some_and(|at| totp.check(code, at).is_some())
}

/// The step of the second of two consecutive codes, if `code1` and `code2`
/// are the codes of two consecutive steps ending at most one step from `now`.
pub(crate) fn consecutive_codes(totp: &Totp, code1: &str, code2: &str, now: i64) -> Option<i64> {
    let current = now.div_euclid(TOTP_STEP);
    (current - 1..=current + 1)
        .find(|&second| code_matches(totp, code1, second - 1) && code_matches(totp, code2, second))
}

/// The step whose code `code` is, within one step of `now`.
pub(crate) fn matching_step(totp: &Totp, code: &str, now: i64) -> Option<i64> {
    let current = now.div_euclid(TOTP_STEP);
    (current - 1..=current + 1).find(|&step| code_matches(totp, code, step))
}

/// The device's TOTP generator, from its unsealed seed; `None` (logged for
/// the operator) when the key ring cannot open the seed or it is not a
/// seed: such a device accepts no code, as if every code were wrong.
pub(crate) async fn device_totp(state: &AppState, device: &MfaDevice) -> Option<Totp> {
    let seed = state
        .keys()
        .open_stored_secret(&device.serial_number, &device.sealed_seed)
        .await
        .map_err(|error| {
            tracing::error!(
                %error,
                serial_number = %device.serial_number,
                key_id = ?tessera_token::sealed_secret_key_id(&device.sealed_seed),
                "the stored seed of an MFA device cannot be opened with the key ring"
            );
        })
        .ok()?;
    let totp = totp(&seed);
    if totp.is_none() {
        tracing::error!(
            serial_number = %device.serial_number,
            "the stored seed of an MFA device is not a TOTP seed"
        );
    }
    totp
}

/// Verifies a TOTP `code` of the MFA device `serial_number` enabled for
/// user `user_id` in `account_id`, at time `at`: the code of the current
/// step or of one step either side, never a step already accepted (the step
/// is recorded atomically, so a code is accepted once even under concurrent
/// use). `Ok(false)` for any code that is not accepted.
pub(crate) async fn verify_mfa_code(
    state: &AppState,
    account_id: &str,
    user_id: &str,
    serial_number: &str,
    code: &str,
    at: OffsetDateTime,
) -> Result<bool, AwsError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let Some(device) = state.store().mfa_device(account_id, serial_number).await? else {
        return Ok(false);
    };
    if device.user.as_ref().map(|u| u.user_id.as_str()) != Some(user_id) {
        return Ok(false);
    }
    let Some(totp) = device_totp(state, &device).await else {
        return Ok(false);
    };
    let Some(step) = matching_step(&totp, code, at.unix_timestamp()) else {
        return Ok(false);
    };
    Ok(state.store().accept_mfa_step(serial_number, step).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use totp_rs::Secret;

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

    #[test]
    fn consecutive_codes_must_be_in_order_and_near_the_clock() {
        let totp = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").expect("totp");
        let now = NOW.unix_timestamp();
        let code = |at: i64| totp.generate(at as u64).to_string();
        assert_eq!(
            consecutive_codes(&totp, &code(now - 30), &code(now), now),
            Some(now / 30)
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now), &code(now + 30), now),
            Some(now / 30 + 1)
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now), &code(now - 30), now),
            None
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now - 60), &code(now), now),
            None
        );
        assert_eq!(
            consecutive_codes(&totp, &code(now - 120), &code(now - 90), now),
            None
        );
    }
    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 Appendix B: T = 59 s, SHA-1, key "12345678901234567890".
        let seed = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let totp = totp(&seed).expect("totp");
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(matching_step(&totp, "287082", 59), Some(1));
    }
}
