//! libxmlsec1 writes a line to standard error for every error it meets, a
//! refused SAML signature among them, which breaks logs that must be one
//! JSON object per line. [`install`] replaces its error callback with one
//! that writes each report as a `tracing` event (target `xmlsec`), so that
//! the reports follow the log format and filter like every other line.
//!
//! The foreign declarations are the whole of the unsafe surface: two
//! setters, and a callback that only reads the C strings it is given, never
//! unwinds, and returns.

/// Routes libxmlsec1's error reports into `tracing` from now on, and turns
/// off the output of its default callback.
///
/// libxmlsec1's OpenSSL initialisation installs its own callback (which
/// ends in the default one), so call this again once that initialisation
/// has run; the default output stays off across it. Calling it again does
/// no harm.
pub fn install() {
    ffi::set_callback();
}

/// One error report of libxmlsec1, its C strings read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The C function that reported it.
    pub function: String,
    /// The source file and line of the report.
    pub file: String,
    /// The source line.
    pub line: i32,
    /// What the error is about (a transform, a node name).
    pub object: String,
    /// The operation that failed.
    pub subject: String,
    /// libxmlsec1's error code (`XMLSEC_ERRORS_R_*`).
    pub reason: i32,
    /// The message, with any detail libxmlsec1 added.
    pub message: String,
}

/// Writes `report` as a `tracing` event.
fn emit(report: &Report) {
    tracing::info!(
        target: "xmlsec",
        function = %report.function,
        file = %report.file,
        line = report.line,
        object = %report.object,
        subject = %report.subject,
        reason = report.reason,
        "{}",
        report.message
    );
}

#[allow(unsafe_code)]
mod ffi {
    use super::{Report, emit};
    use std::ffi::{CStr, c_char, c_int};

    type Callback = unsafe extern "C" fn(
        file: *const c_char,
        line: c_int,
        func: *const c_char,
        error_object: *const c_char,
        error_subject: *const c_char,
        reason: c_int,
        msg: *const c_char,
    );

    #[link(name = "xmlsec1")]
    unsafe extern "C" {
        // xmlsec/errors.h: void xmlSecErrorsSetCallback(xmlSecErrorsCallback).
        fn xmlSecErrorsSetCallback(callback: Option<Callback>);
        // xmlsec/errors.h: void xmlSecErrorsDefaultCallbackEnableOutput(int).
        fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: c_int);
    }

    pub(super) fn set_callback() {
        // SAFETY: each setter stores a value in a global that libxmlsec1
        // reads when it reports an error; `report` has the signature of
        // `xmlSecErrorsCallback` and lives as long as the program.
        unsafe {
            xmlSecErrorsDefaultCallbackEnableOutput(0);
            xmlSecErrorsSetCallback(Some(report));
        }
    }

    /// The text of a C string that may be null.
    ///
    /// # Safety
    /// `text` is null or points to a NUL-terminated string that stays
    /// valid for the call.
    unsafe fn text(text: *const c_char) -> String {
        if text.is_null() {
            return String::new();
        }
        // SAFETY: not null, and NUL-terminated by the caller's contract.
        unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned()
    }

    /// The callback libxmlsec1 calls for each error.
    ///
    /// # Safety
    /// Called by libxmlsec1 only, with null or NUL-terminated strings valid
    /// for the call (xmlsec/errors.c passes its arguments through).
    unsafe extern "C" fn report(
        file: *const c_char,
        line: c_int,
        func: *const c_char,
        error_object: *const c_char,
        error_subject: *const c_char,
        reason: c_int,
        msg: *const c_char,
    ) {
        // SAFETY: the strings are as the function's contract says.
        let report = unsafe {
            Report {
                function: text(func),
                file: text(file),
                line,
                object: text(error_object),
                subject: text(error_subject),
                reason,
                message: text(msg),
            }
        };
        // Unwinding into C is undefined: a panic of a subscriber stops here.
        let _ = std::panic::catch_unwind(|| emit(&report));
    }
}
