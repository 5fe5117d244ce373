//! X.509 signing certificates of users and of the root user: upload, list,
//! activate or deactivate, delete. They are calls on the same owner as
//! access keys' ([`OnKeys`]): the user `UserName` names, or the caller.

use super::access_keys::{KeyOwner, OnKeys, key_fields};
use super::common::{CallOn, iso8601};
use super::entity_params::token_error;
use crate::action::members::{CredentialId, KeyStatus, Page, PemText};
use crate::action::{Context, Empty, Encode, Listing};
use crate::actions::{ActionSpec, R, spec};
use crate::pki::parse_certificate;
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_store::{AccessKeyStatus, SigningCertificate};

/// A signing certificate's id (`certificateIdType`).
type CertificateId = CredentialId<24>;

/// `MalformedCertificate` for a body that is not one PEM X.509 certificate.
pub(super) fn unparsable_certificate() -> AwsError {
    AwsError::malformed_certificate(
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
    )
}

/// `MalformedCertificate` for a certificate past its `notAfter`.
pub(super) fn expired_certificate() -> AwsError {
    AwsError::malformed_certificate("The certificate has expired.")
}

/// The `SigningCertificate` shape.
fn certificate_xml(user_name: Option<String>, certificate: SigningCertificate) -> Vec<Xml> {
    key_fields(
        user_name,
        [
            Xml::text("CertificateId", certificate.certificate_id),
            Xml::text("CertificateBody", certificate.body),
            Xml::text("Status", certificate.status.as_str()),
            Xml::text("UploadDate", iso8601(certificate.uploaded_at)),
        ],
    )
}

/// The result of `UploadSigningCertificate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UploadedCertificate {
    /// The owner's name; the root user's certificates have none.
    pub user_name: Option<String>,
    /// The certificate as stored.
    pub certificate: SigningCertificate,
}

impl Encode for UploadedCertificate {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "Certificate",
            certificate_xml(self.user_name, self.certificate),
        )]
    }
}

/// `UploadSigningCertificate`: an X.509 certificate in PEM, active.
#[derive(Debug, Clone)]
pub(super) struct UploadSigningCertificate {
    pub body: PemText<16_384>,
}

impl CallOn<KeyOwner> for UploadSigningCertificate {
    const SPEC: ActionSpec = spec("iam:UploadSigningCertificate", R::User, &[]);
    type Output = UploadedCertificate;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            body: d.required("CertificateBody"),
        })
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        owner: KeyOwner,
    ) -> Result<UploadedCertificate, AwsError> {
        let parsed = parse_certificate(&self.body).ok_or_else(unparsable_certificate)?;
        if parsed.not_after() < ctx.now() {
            return Err(expired_certificate());
        }
        let certificate = SigningCertificate {
            certificate_id: tessera_token::new_certificate_id().map_err(token_error)?,
            account_id: ctx.account_id().to_string(),
            user_id: owner.user_id().map(str::to_string),
            body: self.body.into(),
            fingerprint: parsed.fingerprint(),
            status: AccessKeyStatus::Active,
            uploaded_at: ctx.now(),
        };
        ctx.store().upload_signing_certificate(&certificate).await?;
        Ok(UploadedCertificate {
            user_name: owner.user_name(),
            certificate,
        })
    }
}

/// A page of `ListSigningCertificates`: the certificates of one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CertificateListing {
    /// The owner's name; the root user's certificates have none.
    pub user_name: Option<String>,
    /// The certificates.
    pub certificates: Listing<SigningCertificate>,
}

impl Encode for CertificateListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let user_name = self.user_name;
        self.certificates.xml("Certificates", |certificate| {
            certificate_xml(user_name.clone(), certificate)
        })
    }
}

/// `ListSigningCertificates`, by certificate id.
#[derive(Debug, Clone)]
pub(super) struct ListSigningCertificates {
    pub page: Page,
}

impl CallOn<KeyOwner> for ListSigningCertificates {
    const SPEC: ActionSpec = spec("iam:ListSigningCertificates", R::User, &[]);
    type Output = CertificateListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        Ok(Self {
            page: Page::read(params)?,
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<CertificateListing, AwsError> {
        let rows = ctx
            .store()
            .signing_certificates(
                ctx.account_id(),
                owner.user_id(),
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(CertificateListing {
            user_name: owner.user_name(),
            certificates: self.page.finish(rows, |c| c.certificate_id.clone()),
        })
    }
}

/// `UpdateSigningCertificate`: active or inactive.
#[derive(Debug, Clone)]
pub(super) struct UpdateSigningCertificate {
    pub certificate_id: CertificateId,
    pub status: KeyStatus,
}

impl CallOn<KeyOwner> for UpdateSigningCertificate {
    const SPEC: ActionSpec = spec("iam:UpdateSigningCertificate", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            certificate_id: d.required("CertificateId"),
            status: d.required("Status"),
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<Empty, AwsError> {
        ctx.store()
            .set_signing_certificate_status(
                ctx.account_id(),
                owner.user_id(),
                &self.certificate_id,
                self.status.0,
            )
            .await?;
        Ok(Empty)
    }
}

/// `DeleteSigningCertificate`.
#[derive(Debug, Clone)]
pub(super) struct DeleteSigningCertificate {
    pub certificate_id: CertificateId,
}

impl CallOn<KeyOwner> for DeleteSigningCertificate {
    const SPEC: ActionSpec = spec("iam:DeleteSigningCertificate", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            certificate_id: d.required("CertificateId"),
        })
    }

    async fn run(self, ctx: &Context<'_>, owner: KeyOwner) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_signing_certificate(ctx.account_id(), owner.user_id(), &self.certificate_id)
            .await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    OnKeys<UploadSigningCertificate>,
    OnKeys<ListSigningCertificates>,
    OnKeys<UpdateSigningCertificate>,
    OnKeys<DeleteSigningCertificate>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{IamPath, Name, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::entities::{DeleteEntity, UserKind};
    use crate::iam::users::CreateUser;

    const LEAF: &str = include_str!("../../tests/data/pki/leaf.pem");
    const CA: &str = include_str!("../../tests/data/pki/ca.pem");
    const EC: &str = include_str!("../../tests/data/pki/ec.pem");

    fn member<T: Scalar>(text: &str) -> T {
        T::parse("member", text).expect("valid member")
    }

    async fn with_user(name: &str) -> Fixture {
        let fx = Fixture::new().await;
        fx.call(CreateUser {
            name: member(name),
            path: IamPath::root(),
            boundary: None,
            tags: Tags::default(),
        })
        .await
        .expect("user created");
        fx
    }

    fn on<Op: CallOn<KeyOwner>>(user: Option<&str>, op: Op) -> OnKeys<Op> {
        OnKeys {
            op,
            user_name: user.map(member::<Name<128>>),
        }
    }

    fn upload(user: Option<&str>, body: &str) -> OnKeys<UploadSigningCertificate> {
        on(user, UploadSigningCertificate { body: member(body) })
    }

    #[tokio::test]
    async fn two_certificates_a_user_each_certificate_once() {
        let fx = with_user("alice").await;
        let first = fx
            .call(upload(Some("alice"), LEAF))
            .await
            .expect("uploaded");
        assert_eq!(first.user_name.as_deref(), Some("alice"));
        let id = first.certificate.certificate_id.clone();
        assert_eq!(id.len(), 32);
        assert_eq!(first.certificate.status, AccessKeyStatus::Active);
        assert_eq!(first.certificate.body, LEAF);

        let error = fx
            .call(upload(None, LEAF))
            .await
            .expect_err("same certificate for the root user");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("DuplicateCertificate", 409)
        );
        fx.call(upload(Some("alice"), CA)).await.expect("second");
        let error = fx.call(upload(Some("alice"), EC)).await.expect_err("third");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "LimitExceeded",
                "Cannot exceed quota for CertificatesPerUser: 2"
            )
        );
        // The root user has certificates of its own.
        let root = fx.call(upload(None, EC)).await.expect("root's");
        assert_eq!(root.user_name, None);

        let listed = fx
            .call(on(
                Some("alice"),
                ListSigningCertificates {
                    page: Page::default(),
                },
            ))
            .await
            .expect("listed");
        assert_eq!(listed.certificates.items.len(), 2);
        let xml = format!("{:?}", listed.encode(&fx.state));
        assert!(xml.contains("CertificateBody"), "{xml}");

        fx.call(on(
            Some("alice"),
            UpdateSigningCertificate {
                certificate_id: member(&id),
                status: member("Inactive"),
            },
        ))
        .await
        .expect("deactivated");
        let error = fx
            .call(DeleteEntity::<UserKind> {
                name: member("alice"),
            })
            .await
            .expect_err("has certificates");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            (
                "DeleteConflict",
                "Cannot delete entity, must delete signing certificates first."
            )
        );
        let error = fx
            .call(on(
                None,
                DeleteSigningCertificate {
                    certificate_id: member(&id),
                },
            ))
            .await
            .expect_err("not the root user's");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "NoSuchEntity",
                format!("The Certificate with id {id} cannot be found.")
            )
        );
    }

    #[tokio::test]
    async fn bodies_that_are_not_certificates_are_malformed() {
        let fx = with_user("alice").await;
        for body in [
            "hello",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        ] {
            let error = fx
                .call(upload(Some("alice"), body))
                .await
                .expect_err("malformed");
            assert_eq!(
                (
                    error.code.as_ref(),
                    error.status.as_u16(),
                    error.message.as_str()
                ),
                (
                    "MalformedCertificate",
                    400,
                    "Unable to parse certificate. Please ensure the certificate is in PEM format."
                )
            );
        }
        let error = fx
            .call(upload(Some("nobody"), LEAF))
            .await
            .expect_err("no user");
        assert_eq!(
            (error.code.as_ref(), error.message.as_str()),
            ("NoSuchEntity", "The user with name nobody cannot be found.")
        );
    }
}
