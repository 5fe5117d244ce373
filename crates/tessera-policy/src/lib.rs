//! tessera-policy
