//! tessera-token
