//! tessera-authz: what a request to a resource server asks for, in IAM's
//! terms.
//!
//! A service profile ([`ServiceConfig`], from the `[[authz.services]]`
//! tables of the configuration file) says how a service's HTTP requests map
//! to IAM actions, resource ARNs and condition keys:
//! * `kind = "s3"`: the S3 REST API, path-style and virtual-hosted;
//! * `kind = "routes"`: declarative method and path templates.
//!
//! The crate is pure: it maps, the server authenticates and decides.
//! [`Services::map`] turns a [`ResourceRequest`] into a [`Mapping`]: every
//! [`Access`] that must be allowed (CopyObject needs two), and how the
//! request was signed ([`UriRule`]).

mod config;
mod decode;
mod mapping;
mod routes;
mod s3;
mod template;

pub use config::{ConfigError, RouteConfig, RoutesConfig, S3Config, ServiceConfig, Services};
pub use mapping::{Access, MapError, Mapping, ResourceRequest, UriRule};
