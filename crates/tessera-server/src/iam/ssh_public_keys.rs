//! SSH public keys of users (RSA, for CodeCommit): upload, get, list,
//! activate or deactivate, delete.

use super::access_keys::{KeyOwner, found_owner, key_owner};
use super::common::{CallOn, iso8601};
use super::entities::{UserKind, find};
use super::entity_params::token_error;
use crate::action::members::{CredentialId, KeyStatus, Name, Page, PemText, PublicKeyEncoding};
use crate::action::{Access, Action, Context, Empty, Encode, Listing};
use crate::actions::{ActionSpec, R, spec};
use crate::pki::{BadSshKey, SshRsaKey};
use crate::{AppState, AwsError, params::Params, xml::Xml};
use tessera_store::{AccessKeyStatus, PolicyOwnerKind, SshPublicKey, User, no_such_owner};

/// A user name of the SSH key calls (`userNameType`).
type UserName = Name<64>;
/// An SSH public key's id (`publicKeyIdType`).
type KeyId = CredentialId<20>;

/// A call on the SSH public keys of the user `UserName` names (required,
/// read after the call's own members): authorized on that user, then
/// `NoSuchEntity` for one that does not exist.
#[derive(Debug, Clone)]
pub(super) struct OnUserKeys<Op: CallOn<User>> {
    pub op: Op,
    pub user_name: UserName,
}

impl<Op: CallOn<User>> Action for OnUserKeys<Op> {
    const SPEC: ActionSpec = Op::SPEC;
    type Found = Option<User>;
    type Output = Op::Output;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        let user_name = d.required("UserName");
        let op = d.read(Op::decode(params));
        d.finish_nested(op, |op| Self { op, user_name })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<User>), AwsError> {
        let (target, user) = find::<UserKind>(ctx, &self.user_name).await?;
        Ok((Access::on(target), user))
    }

    async fn run(self, ctx: &Context<'_>, user: Option<User>) -> Result<Op::Output, AwsError> {
        let user = user
            .ok_or_else(|| AwsError::from(no_such_owner(PolicyOwnerKind::User, &self.user_name)))?;
        self.op.run(ctx, user).await
    }
}

/// The `SSHPublicKey` shape: a key with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SshKeyWithBody {
    /// The owner's name.
    pub user_name: String,
    /// The key as stored.
    pub key: SshPublicKey,
    /// The body in the encoding asked for.
    pub body: String,
}

impl Encode for SshKeyWithBody {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        vec![Xml::node(
            "SSHPublicKey",
            vec![
                Xml::text("UserName", self.user_name),
                Xml::text("SSHPublicKeyId", self.key.ssh_public_key_id),
                Xml::text("Fingerprint", self.key.fingerprint),
                Xml::text("SSHPublicKeyBody", self.body),
                Xml::text("Status", self.key.status.as_str()),
                Xml::text("UploadDate", iso8601(self.key.uploaded_at)),
            ],
        )]
    }
}

/// The key of a request, or IAM's error for one it does not take.
fn read_key(body: &str) -> Result<SshRsaKey, AwsError> {
    SshRsaKey::parse(body).map_err(|bad| match bad {
        BadSshKey::Unrecognized => AwsError::unrecognized_public_key_encoding(
            "The request was rejected because the public key encoding format is unsupported or unrecognized.",
        ),
        BadSshKey::Invalid => AwsError::invalid_public_key(
            "The request was rejected because the public key is malformed or otherwise invalid.",
        ),
    })
}

/// `UploadSSHPublicKey`: an RSA key of at least 2048 bits, as OpenSSH's
/// `ssh-rsa` line or PEM; kept as the `ssh-rsa` line, active.
#[derive(Debug, Clone)]
pub(super) struct UploadSshPublicKey {
    pub body: PemText<16_384>,
}

impl CallOn<User> for UploadSshPublicKey {
    const SPEC: ActionSpec = spec("iam:UploadSSHPublicKey", R::User, &[]);
    type Output = SshKeyWithBody;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            body: d.required("SSHPublicKeyBody"),
        })
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<SshKeyWithBody, AwsError> {
        let parsed = read_key(&self.body)?;
        let account = ctx.account_id();
        let key = SshPublicKey {
            ssh_public_key_id: tessera_token::new_ssh_public_key_id(account)
                .map_err(token_error)?,
            account_id: account.to_string(),
            user_id: user.user_id,
            body: parsed.openssh(),
            fingerprint: parsed.fingerprint(),
            status: AccessKeyStatus::Active,
            uploaded_at: ctx.now(),
        };
        ctx.store().upload_ssh_public_key(&key).await?;
        Ok(SshKeyWithBody {
            user_name: user.name,
            body: key.body.clone(),
            key,
        })
    }
}

/// `NoSuchEntity` for the key `id`.
fn no_such_key(id: &str) -> AwsError {
    AwsError::from(tessera_store::StoreError::from(
        tessera_store::Missing::SshPublicKey(id.to_string()),
    ))
}

/// `GetSSHPublicKey`: a key with its body as `ssh-rsa` or PEM.
#[derive(Debug, Clone)]
pub(super) struct GetSshPublicKey {
    pub key_id: KeyId,
    pub encoding: PublicKeyEncoding,
}

impl CallOn<User> for GetSshPublicKey {
    const SPEC: ActionSpec = spec("iam:GetSSHPublicKey", R::User, &[]);
    type Output = SshKeyWithBody;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key_id: d.required("SSHPublicKeyId"),
            encoding: d.required("Encoding"),
        })
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<SshKeyWithBody, AwsError> {
        let key = ctx
            .store()
            .ssh_public_key(ctx.account_id(), &user.user_id, &self.key_id)
            .await?
            .ok_or_else(|| no_such_key(&self.key_id))?;
        let body = match self.encoding {
            PublicKeyEncoding::Ssh => key.body.clone(),
            PublicKeyEncoding::Pem => read_key(&key.body)?.pem().ok_or_else(|| {
                AwsError::unrecognized_public_key_encoding(
                    "The request was rejected because the public key encoding format is unsupported or unrecognized.",
                )
            })?,
        };
        Ok(SshKeyWithBody {
            user_name: user.name,
            key,
            body,
        })
    }
}

/// A page of `ListSSHPublicKeys`: the keys of one user, without bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SshKeyListing {
    /// The owner's name.
    pub user_name: String,
    /// The keys.
    pub keys: Listing<SshPublicKey>,
}

impl Encode for SshKeyListing {
    fn encode(self, _state: &AppState) -> Vec<Xml> {
        let user_name = self.user_name;
        self.keys.xml("SSHPublicKeys", |key| {
            vec![
                Xml::text("UserName", user_name.clone()),
                Xml::text("SSHPublicKeyId", key.ssh_public_key_id),
                Xml::text("Status", key.status.as_str()),
                Xml::text("UploadDate", iso8601(key.uploaded_at)),
            ]
        })
    }
}

/// `ListSSHPublicKeys`: the keys of the user `UserName` names, or of the
/// calling user (the root user has none), by id.
#[derive(Debug, Clone)]
pub(super) struct ListSshPublicKeys {
    pub user_name: Option<UserName>,
    pub page: Page,
}

impl Action for ListSshPublicKeys {
    const SPEC: ActionSpec = spec("iam:ListSSHPublicKeys", R::User, &[]);
    type Found = Option<KeyOwner>;
    type Output = SshKeyListing;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            user_name: d.member("UserName"),
            page: d.read(Page::read(params)).unwrap_or_default(),
        })
    }

    async fn access(&self, ctx: &Context<'_>) -> Result<(Access, Option<KeyOwner>), AwsError> {
        key_owner(ctx, self.user_name.as_deref()).await
    }

    async fn run(
        self,
        ctx: &Context<'_>,
        owner: Option<KeyOwner>,
    ) -> Result<SshKeyListing, AwsError> {
        let user = match found_owner(owner, self.user_name.as_deref())? {
            KeyOwner::User(user) => user,
            KeyOwner::Root => {
                return Ok(SshKeyListing {
                    user_name: String::new(),
                    keys: self
                        .page
                        .finish(Vec::new(), |k: &SshPublicKey| k.ssh_public_key_id.clone()),
                });
            }
        };
        let rows = ctx
            .store()
            .ssh_public_keys(
                ctx.account_id(),
                &user.user_id,
                self.page.after.as_deref(),
                self.page.fetch_limit(),
            )
            .await?;
        Ok(SshKeyListing {
            user_name: user.name,
            keys: self.page.finish(rows, |k| k.ssh_public_key_id.clone()),
        })
    }
}

/// `UpdateSSHPublicKey`: active or inactive.
#[derive(Debug, Clone)]
pub(super) struct UpdateSshPublicKey {
    pub key_id: KeyId,
    pub status: KeyStatus,
}

impl CallOn<User> for UpdateSshPublicKey {
    const SPEC: ActionSpec = spec("iam:UpdateSSHPublicKey", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key_id: d.required("SSHPublicKeyId"),
            status: d.required("Status"),
        })
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<Empty, AwsError> {
        ctx.store()
            .set_ssh_public_key_status(ctx.account_id(), &user.user_id, &self.key_id, self.status.0)
            .await?;
        Ok(Empty)
    }
}

/// `DeleteSSHPublicKey`.
#[derive(Debug, Clone)]
pub(super) struct DeleteSshPublicKey {
    pub key_id: KeyId,
}

impl CallOn<User> for DeleteSshPublicKey {
    const SPEC: ActionSpec = spec("iam:DeleteSSHPublicKey", R::User, &[]);
    type Output = Empty;

    fn decode(params: &Params) -> Result<Self, AwsError> {
        let d = params.decoder();
        d.finish(Self {
            key_id: d.required("SSHPublicKeyId"),
        })
    }

    async fn run(self, ctx: &Context<'_>, user: User) -> Result<Empty, AwsError> {
        ctx.store()
            .delete_ssh_public_key(ctx.account_id(), &user.user_id, &self.key_id)
            .await?;
        Ok(Empty)
    }
}

crate::action::action_table!(
    OnUserKeys<UploadSshPublicKey>,
    OnUserKeys<GetSshPublicKey>,
    ListSshPublicKeys,
    OnUserKeys<UpdateSshPublicKey>,
    OnUserKeys<DeleteSshPublicKey>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::members::{IamPath, Scalar, Tags};
    use crate::action::testing::Fixture;
    use crate::iam::entities::DeleteEntity;
    use crate::iam::users::CreateUser;

    /// An SSH key IAM fingerprinted, from a public sample of its output.
    const KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZu11q42q3RAAzn+2LVvP+rPcgzuFM6hHTLBQjwQL69RnqLvzWNzyafAfyM1JD4wkOlhjw0KY/qNoPjxpikPW5O6VME6Y3rO6mbFbfuAyuj/x+gQrw6WES81/04iO+I/6CiUBHNV/nY8plsz31a2m/Wg1SGTFMxpvhAAQ1qQsUzErrIXlqe2f5qN9/wTTuuHms1kuNP3rHfUku18fjr05V5bUUKc7vyEnkZuuX4BsADIYu4t/X/bveEhhOzjvd6dAmEwTPsamH8ROcwa32F5cdShBu2AFjck9H3hij6TKgYZTHTJA3WZSXFNlXdcgfbHm67gHjCq86PKdObsdUzkq5";

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

    fn on<Op: CallOn<User>>(user: &str, op: Op) -> OnUserKeys<Op> {
        OnUserKeys {
            op,
            user_name: member(user),
        }
    }

    #[tokio::test]
    async fn a_key_is_kept_as_its_ssh_rsa_line_with_iams_fingerprint() {
        let fx = with_user("alice").await;
        let uploaded = fx
            .call(on(
                "alice",
                UploadSshPublicKey {
                    body: member(&format!("{KEY} alice@laptop\n")),
                },
            ))
            .await
            .expect("uploaded");
        let id = uploaded.key.ssh_public_key_id.clone();
        assert!(id.starts_with("APKA") && id.len() == 20, "{id}");
        assert_eq!(
            uploaded.key.fingerprint,
            "19:72:05:e0:bf:7e:15:c7:09:8a:c3:65:fc:c1:18:a3"
        );
        assert_eq!(uploaded.body, KEY);
        let get = |encoding| {
            on(
                "alice",
                GetSshPublicKey {
                    key_id: member(&id),
                    encoding,
                },
            )
        };
        let pem = fx.call(get(PublicKeyEncoding::Pem)).await.expect("pem");
        assert!(
            pem.body.starts_with("-----BEGIN PUBLIC KEY-----"),
            "{}",
            pem.body
        );
        // The PEM form uploads as the same key: a duplicate.
        let error = fx
            .call(on(
                "alice",
                UploadSshPublicKey {
                    body: member(&pem.body),
                },
            ))
            .await
            .expect_err("duplicate");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("DuplicateSSHPublicKey", 400)
        );
        let ssh = fx.call(get(PublicKeyEncoding::Ssh)).await.expect("ssh");
        assert_eq!(ssh.body, KEY);

        fx.call(on(
            "alice",
            UpdateSshPublicKey {
                key_id: member(&id),
                status: member("Inactive"),
            },
        ))
        .await
        .expect("deactivated");
        let listed = fx
            .call(ListSshPublicKeys {
                user_name: Some(member("alice")),
                page: Page::default(),
            })
            .await
            .expect("listed");
        assert_eq!(listed.keys.items.len(), 1);
        assert_eq!(listed.keys.items[0].status, AccessKeyStatus::Inactive);
        // The root user has no SSH keys.
        let roots = fx
            .call(ListSshPublicKeys {
                user_name: None,
                page: Page::default(),
            })
            .await
            .expect("root's");
        assert!(roots.keys.items.is_empty());

        let error = fx
            .call(DeleteEntity::<UserKind> {
                name: member("alice"),
            })
            .await
            .expect_err("has keys");
        assert_eq!(
            error.message,
            "Cannot delete entity, must delete SSH public keys first."
        );
        fx.call(on(
            "alice",
            DeleteSshPublicKey {
                key_id: member(&id),
            },
        ))
        .await
        .expect("deleted");
        let error = fx
            .call(get(PublicKeyEncoding::Ssh))
            .await
            .expect_err("gone");
        assert_eq!(
            (error.code.as_ref(), error.message),
            (
                "NoSuchEntity",
                format!("The Public Key with id {id} cannot be found.")
            )
        );
    }

    #[tokio::test]
    async fn keys_iam_does_not_take_are_refused() {
        let fx = with_user("alice").await;
        let upload = |body: &str| on("alice", UploadSshPublicKey { body: member(body) });
        let error = fx
            .call(upload("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx alice"))
            .await
            .expect_err("ed25519");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("UnrecognizedPublicKeyEncoding", 400)
        );
        let error = fx
            .call(upload(&KEY[..KEY.len() - 10]))
            .await
            .expect_err("truncated");
        assert_eq!(
            (error.code.as_ref(), error.status.as_u16()),
            ("InvalidPublicKey", 400)
        );
        let error = fx
            .call(on("nobody", UploadSshPublicKey { body: member(KEY) }))
            .await
            .expect_err("no user");
        assert_eq!(error.code.as_ref(), "NoSuchEntity");
    }
}
