//! tessera-sigv4
