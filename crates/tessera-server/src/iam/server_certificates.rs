//! Server certificates of the account: upload (the certificate, its
//! private key and chain validated), get, list, rename or move, delete,
//! and their tags. The private key is sealed by the key ring and never
//! returned.

use super::common::{iso8601, request_tag_keys, tags_xml};
use super::entity_params::token_error;
use super::signing_certificates::{expired_certificate, unparsable_certificate};
use super::tagging::{ListTags, Tag, Taggable, Untag};
use crate::action::members::{IamPath, Name, Page, PathPrefix, PemText, PrivateKeyPem, Tags};
use crate::action::{Access, Action, Context, Empty, Encode, Listing, Target};
use crate::actions::{ActionSpec, R, TAG_KEYS, TAGGING, spec};
use crate::pki::{BadKey, check_private_key, parse_certificate, parse_chain};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_arn::Arn;
use tessera_store::{Missing, ServerCertificate, StoreError, TaggedKind};

/// A server certificate's name (`serverCertificateNameType`).
type CertificateName = Name<128>;

/// The ARN of a server certificate.
fn certificate_arn(state: &AppState, certificate: &ServerCertificate) -> String {
    Arn::server_certificate(
        state.partition(),
        &certificate.account_id,
        &certificate.path,
        &certificate.name,
    )
    .into_string()
}

fn not_found(name: &str) -> AwsError {
    StoreError::from(Missing::ServerCertificate(name.to_string())).into()
}

/// The server certificate `name` of the caller's account as stored, with
/// its [`Target`] (an unknown one is named at path `/`).
async fn find(
    ctx: &Context<'_>,
    name: &str,
) -> Result<(Target, Option<ServerCertificate>), AwsError> {
    let stored = ctx
        .store()
        .server_certificate(ctx.account_id(), name)
        .await?;
    let target = match &stored {
        Some(certificate) => Target {
            arn: certificate_arn(ctx.state, certificate),
            tags: certificate.tags.clone(),
            boundary: None,
        },
        None => Target::named(
            Arn::server_certificate(ctx.partition(), ctx.account_id(), "/", name).into_string(),
        ),
    };
    Ok((target, stored))
}

/// The `ServerCertificateMetadata` shape.
fn metadata_xml(state: &AppState, certificate: &ServerCertificate) -> Vec<Xml> {
    vec![
        Xml::text("Path", certificate.path.clone()),
        Xml::text("ServerCertificateName", certificate.name.clone()),
        Xml::text(
            "ServerCertificateId",
            certificate.server_certificate_id.clone(),
        ),
        Xml::text("Arn", certificate_arn(state, certificate)),
        Xml::text("UploadDate", iso8601(certificate.uploaded_at)),
        Xml::text("Expiration", iso8601(certificate.expiration)),
    ]
}

/// `<Tags>` when there are any.
fn optional_tags(tags: &[(String, String)]) -> Option<Xml> {
    (!tags.is_empty()).then(|| tags_xml(tags))
}

/// The result of `UploadServerCertificate`: the metadata and the tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UploadedServerCertificate(pub ServerCertificate);

impl Encode for UploadedServerCertificate {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let mut out = vec![Xml::node(
            "ServerCertificateMetadata",
            metadata_xml(state, &self.0),
        )];
        out.extend(optional_tags(&self.0.tags));
        out
    }
}

/// The chain error IAM gives, with the index of the certificate at fault.
fn bad_chain(index: i64) -> AwsError {
    AwsError::malformed_certificate(format!(
        "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: {index}"
    ))
}

/// `UploadServerCertificate`: a certificate with its private key and,
/// optionally, its chain, all in PEM.
#[derive(Debug, Clone)]
pub(super) struct UploadServerCertificate {
    pub name: CertificateName,
    pub path: IamPath,
    pub body: PemText<16_384>,
    pub private_key: PrivateKeyPem,
    pub chain: Option<PemText<2_097_152>>,
    pub tags: Tags,
}

impl Action for UploadServerCertificate {
    const SPEC: ActionSpec = spec("iam:UploadServerCertificate", R::ServerCertificate, TAGGING);
    type Found = ();
    type Output = UploadedServerCertificate;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            path: d.member("Path").unwrap_or_else(IamPath::root),
            name: d.required("ServerCertificateName"),
            body: d.required("CertificateBody"),
            private_key: d.required("PrivateKey"),
            chain: d.member("CertificateChain"),
            tags: d.member("Tags").unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        let arn =
            Arn::server_certificate(ctx.partition(), ctx.account_id(), &self.path, &self.name);
        let target = Target::named(arn.into_string());
        let keys = request_tag_keys(&self.tags);
        Ok((Access::On { target, keys }, ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<UploadedServerCertificate, AwsError> {
        let parsed = parse_certificate(&self.body).ok_or_else(unparsable_certificate)?;
        if parsed.not_after() < ctx.now() {
            return Err(expired_certificate());
        }
        check_private_key(&self.private_key, &parsed).map_err(|bad| match bad {
            BadKey::Malformed => {
                AwsError::malformed_certificate("Unable to validate certificate's private key.")
            }
            BadKey::Mismatch => AwsError::key_pair_mismatch(
                "The request was rejected because the public key certificate and the private key do not match.",
            ),
        })?;
        if let Some(chain) = &self.chain {
            parse_chain(chain, &parsed).map_err(|bad| bad_chain(bad.0))?;
        }
        let server_certificate_id = tessera_token::new_unique_id("ASCA").map_err(token_error)?;
        let sealed_private_key = ctx
            .state
            .keys()
            .seal_stored_secret(&server_certificate_id, &self.private_key)
            .map_err(token_error)?;
        let certificate = ServerCertificate {
            server_certificate_id,
            account_id: ctx.account_id().to_string(),
            name: self.name.into(),
            path: self.path.into(),
            body: self.body.into(),
            chain: self.chain.map(String::from),
            sealed_private_key,
            expiration: parsed.not_after(),
            uploaded_at: ctx.now(),
            tags: self.tags.0,
        };
        ctx.store().create_server_certificate(&certificate).await?;
        Ok(UploadedServerCertificate(certificate))
    }
}

/// The result of `GetServerCertificate`: the certificate, its chain and
/// tags, never its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerCertificateShape(pub ServerCertificate);

impl Encode for ServerCertificateShape {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        let certificate = self.0;
        let mut fields = vec![
            Xml::node(
                "ServerCertificateMetadata",
                metadata_xml(state, &certificate),
            ),
            Xml::text("CertificateBody", certificate.body.clone()),
        ];
        if let Some(chain) = &certificate.chain {
            fields.push(Xml::text("CertificateChain", chain.clone()));
        }
        fields.extend(optional_tags(&certificate.tags));
        vec![Xml::node("ServerCertificate", fields)]
    }
}

/// `GetServerCertificate`.
#[derive(Debug, Clone)]
pub(super) struct GetServerCertificate {
    pub name: CertificateName,
}

impl Action for GetServerCertificate {
    const SPEC: ActionSpec = spec("iam:GetServerCertificate", R::ServerCertificate, &[]);
    type Found = Option<ServerCertificate>;
    type Output = ServerCertificateShape;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("ServerCertificateName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let (target, stored) = find(ctx, &self.name).await?;
        Ok((Access::on(target), stored))
    }

    async fn run(
        self,
        _ctx: &Context<'_>,
        stored: Self::Found,
    ) -> Result<ServerCertificateShape, AwsError> {
        Ok(ServerCertificateShape(
            stored.ok_or_else(|| not_found(&self.name))?,
        ))
    }
}

/// A page of `ListServerCertificates`: metadata only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServerCertificateListing(pub Listing<ServerCertificate>);

impl Encode for ServerCertificateListing {
    fn encode(self, state: &AppState) -> Vec<Xml> {
        self.0.xml("ServerCertificateMetadataList", |certificate| {
            metadata_xml(state, &certificate)
        })
    }
}

/// `ListServerCertificates`: by path prefix, then name.
#[derive(Debug, Clone)]
pub(super) struct ListServerCertificates {
    pub prefix: PathPrefix,
    pub page: Page,
}

impl Action for ListServerCertificates {
    const SPEC: ActionSpec = spec("iam:ListServerCertificates", R::None, &[]);
    type Found = ();
    type Output = ServerCertificateListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            prefix: d.member("PathPrefix").unwrap_or_else(PathPrefix::root),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, _ctx: &Context<'_>) -> Result<(Access, ()), AwsError> {
        Ok((Access::on_arn("*"), ()))
    }

    async fn run(self, ctx: &Context<'_>, (): ()) -> Result<ServerCertificateListing, AwsError> {
        let rows = ctx
            .store()
            .server_certificates(
                ctx.account_id(),
                &self.prefix,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(ServerCertificateListing(
            self.page.finish(rows, |c| c.name.clone()),
        ))
    }
}

/// `UpdateServerCertificate`: the new name and/or the new path, authorized
/// on the certificate as it is and as it will be.
#[derive(Debug, Clone)]
pub(super) struct UpdateServerCertificate {
    pub name: CertificateName,
    pub new_name: Option<CertificateName>,
    pub new_path: Option<IamPath>,
}

impl Action for UpdateServerCertificate {
    const SPEC: ActionSpec = spec("iam:UpdateServerCertificate", R::ServerCertificate, &[]);
    type Found = Option<ServerCertificate>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("ServerCertificateName"),
            new_name: d.member("NewServerCertificateName"),
            new_path: d.member("NewPath"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let (target, stored) = find(ctx, &self.name).await?;
        Ok((Access::on(target), stored))
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<Empty, AwsError> {
        let stored = stored.ok_or_else(|| not_found(&self.name))?;
        let (new_name, new_path) = (self.new_name.as_deref(), self.new_path.as_deref());
        if new_name.is_none() && new_path.is_none() {
            return Ok(Empty);
        }
        let arn = Arn::server_certificate(
            ctx.partition(),
            ctx.account_id(),
            new_path.unwrap_or(&stored.path),
            new_name.unwrap_or(&stored.name),
        );
        ctx.authorize_also(&Target::named(arn.into_string()), Vec::new())
            .await?;
        ctx.store()
            .update_server_certificate(ctx.account_id(), &self.name, new_name, new_path)
            .await?;
        Ok(Empty)
    }
}

/// `DeleteServerCertificate`, with its tags.
#[derive(Debug, Clone)]
pub(super) struct DeleteServerCertificate {
    pub name: CertificateName,
}

impl Action for DeleteServerCertificate {
    const SPEC: ActionSpec = spec("iam:DeleteServerCertificate", R::ServerCertificate, &[]);
    type Found = Option<ServerCertificate>;
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            name: d.required("ServerCertificateName"),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Self::Found), AwsError> {
        let (target, stored) = find(ctx, &self.name).await?;
        Ok((Access::on(target), stored))
    }

    async fn run(self, ctx: &Context<'_>, stored: Self::Found) -> Result<Empty, AwsError> {
        stored.ok_or_else(|| not_found(&self.name))?;
        ctx.store()
            .delete_server_certificate(ctx.account_id(), &self.name)
            .await?;
        Ok(Empty)
    }
}

/// Server certificates, as things that carry tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct ServerCertificates;

impl Taggable for ServerCertificates {
    type Key = CertificateName;
    type Stored = ServerCertificate;
    const KEY_MEMBER: &'static str = "ServerCertificateName";
    const TAGGED: TaggedKind = TaggedKind::ServerCertificate;
    const TAG: ActionSpec = spec("iam:TagServerCertificate", R::ServerCertificate, TAGGING);
    const UNTAG: ActionSpec = spec(
        "iam:UntagServerCertificate",
        R::ServerCertificate,
        &[TAG_KEYS],
    );
    const LIST_TAGS: ActionSpec = spec("iam:ListServerCertificateTags", R::ServerCertificate, &[]);

    async fn find(
        ctx: &Context<'_>,
        name: &str,
    ) -> Result<(Target, Option<ServerCertificate>), AwsError> {
        find(ctx, name).await
    }

    /// A server certificate's tags are kept under its unique id.
    fn owner_id(certificate: &ServerCertificate) -> &str {
        &certificate.server_certificate_id
    }

    fn not_found(name: &str) -> AwsError {
        not_found(name)
    }
}

crate::action::action_table!(
    UploadServerCertificate,
    GetServerCertificate,
    ListServerCertificates,
    UpdateServerCertificate,
    DeleteServerCertificate,
    Tag<ServerCertificates>,
    Untag<ServerCertificates>,
    ListTags<ServerCertificates>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::Scalar;
    use crate::action::testing::Fixture;

    const LEAF: &str = include_str!("../../tests/data/pki/leaf.pem");
    const LEAF_KEY: &str = include_str!("../../tests/data/pki/leaf.key");
    const CA: &str = include_str!("../../tests/data/pki/ca.pem");
    const CA_KEY: &str = include_str!("../../tests/data/pki/ca.key");
    const EC: &str = include_str!("../../tests/data/pki/ec.pem");

    fn member<T: Scalar>(text: &str) -> T {
        T::parse("member", text).expect("valid member")
    }

    fn upload(name: &str, path: &str, chain: Option<&str>) -> UploadServerCertificate {
        UploadServerCertificate {
            name: member(name),
            path: member(path),
            body: member(LEAF),
            private_key: member(LEAF_KEY),
            chain: chain.map(member),
            tags: Tags(vec![("team".into(), "web".into())]),
        }
    }

    #[tokio::test]
    async fn a_certificate_is_kept_with_its_key_sealed_and_never_shown() {
        let fx = Fixture::new().await;
        let uploaded = fx
            .call(upload("www", "/sites/", Some(CA)))
            .await
            .expect("uploaded")
            .0;
        assert!(uploaded.server_certificate_id.starts_with("ASCA"));
        assert_eq!(
            certificate_arn(&fx.state, &uploaded),
            format!(
                "arn:aws:iam::{}:server-certificate/sites/www",
                fx.account_id
            )
        );
        assert!(uploaded.expiration > 4_000_000_000);
        // Sealed, bound to the unique id, and nowhere in clear.
        assert!(!uploaded.sealed_private_key.contains("PRIVATE KEY"));
        let opened = fx
            .state
            .keys()
            .open_stored_secret(
                &uploaded.server_certificate_id,
                &uploaded.sealed_private_key,
            )
            .await
            .expect("opens");
        assert_eq!(opened, LEAF_KEY);

        let got = fx
            .call(GetServerCertificate {
                name: member("WWW"),
            })
            .await
            .expect("got");
        let xml = format!("{:?}", got.clone().encode(&fx.state));
        assert!(
            xml.contains("CertificateChain") && !xml.contains("PRIVATE KEY"),
            "{xml}"
        );
        assert_eq!(got.0.tags, vec![("team".into(), "web".into())]);

        let error = fx.call(upload("WWW", "/", None)).await.expect_err("taken");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "EntityAlreadyExists",
                "The Server Certificate with name WWW already exists."
            )
        );
    }

    #[tokio::test]
    async fn keys_and_chains_that_do_not_fit_are_refused() {
        let fx = Fixture::new().await;
        let error = fx
            .call(UploadServerCertificate {
                private_key: member(CA_KEY),
                ..upload("a", "/", None)
            })
            .await
            .expect_err("other key");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("KeyPairMismatch", 400)
        );
        let error = fx
            .call(UploadServerCertificate {
                private_key: member("not a key"),
                ..upload("a", "/", None)
            })
            .await
            .expect_err("junk key");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "MalformedCertificate",
                "Unable to validate certificate's private key."
            )
        );
        let error = fx
            .call(upload("a", "/", Some(&format!("{CA}{EC}"))))
            .await
            .expect_err("chain");
        assert_eq!(error.code.as_ref(), "MalformedCertificate");
        assert!(
            error.message.ends_with("invalid certificate is: 1"),
            "{}",
            error.message
        );
        let error = fx
            .call(UploadServerCertificate {
                body: member("junk"),
                ..upload("a", "/", None)
            })
            .await
            .expect_err("body");
        assert_eq!(
            error.message,
            "Unable to parse certificate. Please ensure the certificate is in PEM format."
        );
    }

    #[tokio::test]
    async fn certificates_are_listed_renamed_and_deleted() {
        let fx = Fixture::new().await;
        for (name, path) in [("b", "/web/"), ("a", "/"), ("c", "/web/old/")] {
            fx.call(upload(name, path, None)).await.expect("uploaded");
        }
        let list = |prefix: &str, after: Option<&str>| ListServerCertificates {
            prefix: member(prefix),
            page: Page {
                after: after.map(str::to_string),
                max_items: 1,
            },
        };
        let page = fx.call(list("/web/", None)).await.expect("listed").0;
        assert_eq!(page.items[0].name, "b");
        assert!(page.truncated);
        let page = fx.call(list("/web/", Some("b"))).await.expect("listed").0;
        assert_eq!((page.items[0].name.as_str(), page.truncated), ("c", false));

        let error = fx
            .call(UpdateServerCertificate {
                name: member("a"),
                new_name: Some(member("B")),
                new_path: None,
            })
            .await
            .expect_err("taken");
        assert_eq!(error.code.as_ref(), "EntityAlreadyExists");
        fx.call(UpdateServerCertificate {
            name: member("a"),
            new_name: Some(member("z")),
            new_path: Some(member("/moved/")),
        })
        .await
        .expect("renamed");
        let got = fx
            .call(GetServerCertificate { name: member("z") })
            .await
            .expect("got")
            .0;
        assert_eq!(got.path, "/moved/");
        fx.call(DeleteServerCertificate { name: member("z") })
            .await
            .expect("deleted");
        let error = fx
            .call(DeleteServerCertificate { name: member("z") })
            .await
            .expect_err("gone");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "NoSuchEntity",
                "The Server Certificate with name z cannot be found."
            )
        );
    }
}
