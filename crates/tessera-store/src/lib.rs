//! tessera-store
