use super::*;
use proptest::prelude::*;

const ACCT: &str = "123456789012";

fn arn(text: &str) -> Arn {
    match text.parse() {
        Ok(arn) => arn,
        Err(error) => panic!("{text:?}: {error}"),
    }
}

#[test]
fn constructors_build_the_strings_iam_and_sts_hand_out() {
    let cases = [
        (Arn::root("aws", ACCT), "arn:aws:iam::123456789012:root"),
        (
            Arn::user("aws", ACCT, "/", "alice"),
            "arn:aws:iam::123456789012:user/alice",
        ),
        (
            Arn::user("aws", ACCT, "/a/b/", "alice"),
            "arn:aws:iam::123456789012:user/a/b/alice",
        ),
        (
            Arn::role("aws-cn", ACCT, "/svc/", "app"),
            "arn:aws-cn:iam::123456789012:role/svc/app",
        ),
        (
            Arn::group("aws", ACCT, "/eng/", "devs"),
            "arn:aws:iam::123456789012:group/eng/devs",
        ),
        (
            Arn::policy("aws", ACCT, "/team/", "s3"),
            "arn:aws:iam::123456789012:policy/team/s3",
        ),
        (
            Arn::policy("aws", "aws", "/", "ReadOnlyAccess"),
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        (
            Arn::mfa_device("aws", ACCT, "/team/", "alice-phone"),
            "arn:aws:iam::123456789012:mfa/team/alice-phone",
        ),
        (
            Arn::instance_profile("aws", ACCT, "/web/", "WebServer"),
            "arn:aws:iam::123456789012:instance-profile/web/WebServer",
        ),
        (
            Arn::oidc_provider("aws", ACCT, "idp.example.com/realms/x"),
            "arn:aws:iam::123456789012:oidc-provider/idp.example.com/realms/x",
        ),
        (
            Arn::saml_provider("aws", ACCT, "Corp_IdP"),
            "arn:aws:iam::123456789012:saml-provider/Corp_IdP",
        ),
        (
            Arn::assumed_role("aws", ACCT, "reader", "s1"),
            "arn:aws:sts::123456789012:assumed-role/reader/s1",
        ),
        (
            Arn::federated_user("aws", ACCT, "carol"),
            "arn:aws:sts::123456789012:federated-user/carol",
        ),
        (
            Arn::new("aws", "s3", "", "", "bucket/a:b"),
            "arn:aws:s3:::bucket/a:b",
        ),
        (
            Arn::new("aws", "dynamodb", "eu-west-1", ACCT, "table/orders"),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        ),
    ];
    for (built, text) in cases {
        assert_eq!(built.to_string(), text);
        assert_eq!(built.as_str(), text);
        assert_eq!(arn(text), built, "{text}");
    }
}

#[test]
fn fields() {
    let a = arn("arn:aws:s3:::bucket/a:b");
    assert_eq!(
        (
            a.partition(),
            a.service(),
            a.region(),
            a.account(),
            a.resource()
        ),
        ("aws", "s3", "", "", "bucket/a:b")
    );
    let a = arn("arn:aws:logs:us-east-1:123456789012:log-group:/app:*");
    assert_eq!(
        (
            a.partition(),
            a.service(),
            a.region(),
            a.account(),
            a.resource()
        ),
        ("aws", "logs", "us-east-1", ACCT, "log-group:/app:*")
    );
    let a = arn("arn:::::");
    assert_eq!(
        (
            a.partition(),
            a.service(),
            a.region(),
            a.account(),
            a.resource()
        ),
        ("", "", "", "", "")
    );
}

#[test]
fn refuses_what_is_not_an_arn() {
    assert_eq!("".parse::<Arn>(), Err(ParseArnError::Prefix));
    assert_eq!("nra:aws:s3:::b".parse::<Arn>(), Err(ParseArnError::Prefix));
    assert_eq!("ARN:aws:s3:::b".parse::<Arn>(), Err(ParseArnError::Prefix));
    assert_eq!("arn".parse::<Arn>(), Err(ParseArnError::Prefix));
    assert_eq!("arn:".parse::<Arn>(), Err(ParseArnError::Fields));
    assert_eq!("arn:aws:s3".parse::<Arn>(), Err(ParseArnError::Fields));
    assert_eq!("arn:aws:s3::".parse::<Arn>(), Err(ParseArnError::Fields));
    assert!("arn:aws:s3:::".parse::<Arn>().is_ok());
}

#[test]
fn kinds() {
    let cases = [
        ("arn:aws:iam::123456789012:root", ArnKind::Root),
        ("arn:aws:iam::123456789012:user/a", ArnKind::User),
        ("arn:aws:iam::123456789012:user/", ArnKind::User),
        ("arn:aws:iam::123456789012:user", ArnKind::Other),
        ("arn:aws:iam::123456789012:role/p/r", ArnKind::Role),
        ("arn:aws:iam::123456789012:group/g", ArnKind::Group),
        ("arn:aws:iam::aws:policy/p", ArnKind::Policy),
        ("arn:aws:iam::123456789012:mfa/m", ArnKind::MfaDevice),
        (
            "arn:aws:iam::123456789012:instance-profile/p",
            ArnKind::InstanceProfile,
        ),
        (
            "arn:aws:iam::123456789012:oidc-provider/h/p",
            ArnKind::OidcProvider,
        ),
        (
            "arn:aws:iam::123456789012:saml-provider/s",
            ArnKind::SamlProvider,
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/r/s",
            ArnKind::AssumedRole,
        ),
        (
            "arn:aws:sts::123456789012:federated-user/f",
            ArnKind::FederatedUser,
        ),
        ("arn:aws:sts::123456789012:user/a", ArnKind::Other),
        ("arn:aws:sts::123456789012:root", ArnKind::Other),
        ("arn:aws:iam::123456789012:assumed-role/r/s", ArnKind::Other),
        ("arn:aws:s3:::user/a", ArnKind::Other),
        ("arn:aws:iam::123456789012:User/a", ArnKind::Other),
    ];
    for (text, kind) in cases {
        assert_eq!(arn(text).kind(), kind, "{text}");
    }
}

#[test]
fn paths_and_names() {
    let cases = [
        ("arn:aws:iam::1:user/alice", Some("/"), Some("alice")),
        (
            "arn:aws:iam::1:user/a/b/alice",
            Some("/a/b/"),
            Some("alice"),
        ),
        ("arn:aws:iam::1:user/", Some("/"), Some("")),
        ("arn:aws:iam::1:user/a/", Some("/a/"), Some("")),
        ("arn:aws:iam::1:role/svc/app", Some("/svc/"), Some("app")),
        ("arn:aws:iam::1:group/g", Some("/"), Some("g")),
        ("arn:aws:iam::1:policy/team/s3", Some("/team/"), Some("s3")),
        (
            "arn:aws:iam::1:mfa/team/phone",
            Some("/team/"),
            Some("phone"),
        ),
        (
            "arn:aws:iam::1:instance-profile/a/b/web",
            Some("/a/b/"),
            Some("web"),
        ),
        ("arn:aws:iam::1:user/a:b/c", Some("/a:b/"), Some("c")),
        ("arn:aws:iam::1:saml-provider/Corp", None, Some("Corp")),
        ("arn:aws:iam::1:oidc-provider/h/p", None, Some("h/p")),
        ("arn:aws:sts::1:federated-user/bob", None, Some("bob")),
        ("arn:aws:sts::1:assumed-role/r/s", None, None),
        ("arn:aws:iam::1:root", None, None),
        ("arn:aws:s3:::b/k", None, None),
    ];
    for (text, path, name) in cases {
        let a = arn(text);
        assert_eq!((a.path(), a.name()), (path, name), "{text}");
    }
}

#[test]
fn role_sessions() {
    let a = arn("arn:aws:sts::123456789012:assumed-role/admin/s1");
    assert_eq!(a.role_name(), Some("admin"));
    assert_eq!(a.session_name(), Some("s1"));
    assert_eq!(a.session_role(), Some(Arn::role("aws", ACCT, "/", "admin")));
    let a = arn("arn:aws-cn:sts::123456789012:assumed-role/admin");
    assert_eq!(a.role_name(), Some("admin"));
    assert_eq!(a.session_name(), None);
    assert_eq!(
        a.session_role().map(String::from).as_deref(),
        Some("arn:aws-cn:iam::123456789012:role/admin")
    );
    let a = arn("arn:aws:sts::123456789012:assumed-role/r/s/t");
    assert_eq!((a.role_name(), a.session_name()), (Some("r"), Some("s/t")));
    let a = arn("arn:aws:iam::123456789012:role/admin");
    assert_eq!((a.role_name(), a.session_name()), (None, None));
    assert_eq!(a.session_role(), None);
}

#[test]
fn conversions() {
    let text = "arn:aws:iam::123456789012:user/alice";
    let a = Arn::try_from(text.to_string()).expect("arn");
    assert_eq!(a, Arn::try_from(text).expect("arn"));
    assert_eq!(a, *text);
    assert_eq!(a, text);
    assert_eq!(AsRef::<str>::as_ref(&a), text);
    assert_eq!(format!("{a:?}"), format!("Arn({text:?})"));
    assert_eq!(a.clone().into_string(), text);
    assert_eq!(String::from(a), text);
}

/// A field that holds no `:`.
fn field() -> impl Strategy<Value = String> {
    "[a-z0-9-]{0,12}"
}

/// An IAM path as IAM writes it: `/` or `/a/b/`.
fn iam_path() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9_.:-]{1,6}", 0..3).prop_map(|segments| {
        segments
            .iter()
            .fold("/".to_string(), |path, s| format!("{path}{s}/"))
    })
}

fn iam_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+=,.@_-]{1,16}"
}

/// A constructor from partition, account, path and name.
type WithPath = fn(&str, &str, &str, &str) -> Arn;

/// A constructor from partition, account and name.
type WithoutPath = fn(&str, &str, &str) -> Arn;

proptest! {
    #[test]
    fn parse_display_round_trips(
        partition in field(),
        service in field(),
        region in field(),
        account in field(),
        resource in "\\PC{0,40}",
    ) {
        let built = Arn::new(&partition, &service, &region, &account, &resource);
        let parsed: Arn = built.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&parsed, &built);
        prop_assert_eq!(parsed.partition(), partition.as_str());
        prop_assert_eq!(parsed.service(), service.as_str());
        prop_assert_eq!(parsed.region(), region.as_str());
        prop_assert_eq!(parsed.account(), account.as_str());
        prop_assert_eq!(parsed.resource(), resource.as_str());
    }

    #[test]
    fn any_text_that_parses_displays_as_itself(text in "(arn:)?[a-z:/*]{0,24}") {
        if let Ok(arn) = text.parse::<Arn>() {
            prop_assert_eq!(arn.to_string(), text.clone());
            prop_assert_eq!(arn.to_string().parse::<Arn>(), Ok(arn));
        } else {
            prop_assert!(!text.starts_with("arn:") || text.matches(':').count() < 5);
        }
    }

    #[test]
    fn iam_kinds_round_trip(
        partition in "[a-z-]{1,8}",
        account in "[0-9]{12}",
        path in iam_path(),
        name in iam_name(),
        session in iam_name(),
    ) {
        let with_path: [(WithPath, ArnKind); 6] = [
            (Arn::user, ArnKind::User),
            (Arn::role, ArnKind::Role),
            (Arn::group, ArnKind::Group),
            (Arn::policy, ArnKind::Policy),
            (Arn::mfa_device, ArnKind::MfaDevice),
            (Arn::instance_profile, ArnKind::InstanceProfile),
        ];
        for (make, kind) in with_path {
            let built = make(&partition, &account, &path, &name);
            let parsed: Arn = built.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(&parsed, &built);
            prop_assert_eq!(parsed.kind(), kind);
            prop_assert_eq!(parsed.partition(), partition.as_str());
            prop_assert_eq!(parsed.account(), account.as_str());
            prop_assert_eq!(parsed.path(), Some(path.as_str()));
            prop_assert_eq!(parsed.name(), Some(name.as_str()));
        }
        let without_path: [(WithoutPath, ArnKind); 3] = [
            (Arn::saml_provider, ArnKind::SamlProvider),
            (Arn::oidc_provider, ArnKind::OidcProvider),
            (Arn::federated_user, ArnKind::FederatedUser),
        ];
        for (make, kind) in without_path {
            let built = make(&partition, &account, &name);
            let parsed: Arn = built.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(&parsed, &built);
            prop_assert_eq!(parsed.kind(), kind);
            prop_assert_eq!(parsed.path(), None);
            prop_assert_eq!(parsed.name(), Some(name.as_str()));
        }
        let session_arn = Arn::assumed_role(&partition, &account, &name, &session);
        let parsed: Arn = session_arn.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(&parsed, &session_arn);
        prop_assert_eq!(parsed.kind(), ArnKind::AssumedRole);
        prop_assert_eq!(parsed.role_name(), Some(name.as_str()));
        prop_assert_eq!(parsed.session_name(), Some(session.as_str()));
        prop_assert_eq!(parsed.session_role(), Some(Arn::role(&partition, &account, "/", &name)));
        let root = Arn::root(&partition, &account);
        prop_assert_eq!(root.to_string().parse::<Arn>(), Ok(root.clone()));
        prop_assert_eq!(root.kind(), ArnKind::Root);
    }
}
