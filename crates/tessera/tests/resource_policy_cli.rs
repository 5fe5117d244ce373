//! `tessera resource-policy put|get|delete`, run as the operator runs it.

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

const BUCKET: &str = "arn:aws:s3:::logs";

fn tessera(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env_remove("TESSERA_DATA_DIR")
        .env_remove("TESSERA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tessera runs");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("tessera ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A new data directory and a configuration whose S3 profile's buckets its
/// account owns; the account id.
fn setup(dir: &Path) -> String {
    let data = dir.join("data");
    let out = tessera(&["init", "--data-dir", data.to_str().expect("utf-8")], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let account_id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("account "))
        .and_then(|l| l.split_whitespace().next())
        .expect("account id")
        .to_string();
    std::fs::write(
        dir.join("tessera.toml"),
        format!(
            "data-dir = {data:?}\n\n[[authz.services]]\nkind = \"s3\"\nname = \"store\"\nowner-account = \"{account_id}\"\n"
        ),
    )
    .expect("config");
    account_id
}

fn config(dir: &Path) -> String {
    dir.join("tessera.toml")
        .to_str()
        .expect("utf-8")
        .to_string()
}

#[test]
fn an_arn_of_no_configured_service_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    setup(dir.path());
    let queue = "arn:aws:sqs:us-east-1:123456789012:queue";
    for args in [
        vec!["resource-policy", "put", queue],
        vec!["resource-policy", "get", queue],
        vec!["resource-policy", "delete", queue],
    ] {
        let config = config(dir.path());
        let args: Vec<&str> = args.into_iter().chain(["--config", &config]).collect();
        let out = tessera(&args, Some("{}"));
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(&format!("InvalidInput: ARN {queue} is not valid.")),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn put_from_a_file_or_standard_input_get_and_delete() {
    let dir = tempfile::tempdir().expect("dir");
    let account_id = setup(dir.path());
    let config = config(dir.path());
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{account_id}"}},"Action":"s3:GetObject","Resource":"{BUCKET}/*"}}]}}"#
    );
    let file = dir.path().join("policy.json");
    std::fs::write(&file, &document).expect("policy file");

    let out = tessera(
        &[
            "resource-policy",
            "put",
            BUCKET,
            file.to_str().expect("utf-8"),
            "--config",
            &config,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tessera(
        &["resource-policy", "get", BUCKET, "--config", &config],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim_end(), document);

    // From standard input, replacing it.
    let everyone = document.replace(&format!("{{\"AWS\":\"{account_id}\"}}"), "\"*\"");
    let out = tessera(
        &["resource-policy", "put", BUCKET, "--config", &config],
        Some(&everyone),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tessera(
        &["resource-policy", "get", BUCKET, "--config", &config],
        None,
    );
    assert_eq!(text(&out.stdout).trim_end(), everyone);

    // A document that is not a resource policy is refused with the parser's message.
    let out = tessera(
        &["resource-policy", "put", BUCKET, "-", "--config", &config],
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
        ),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("MalformedPolicyDocument: Missing required field Principal"),
        "{}",
        text(&out.stderr)
    );

    let out = tessera(
        &["resource-policy", "delete", BUCKET, "--config", &config],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tessera(
        &["resource-policy", "get", BUCKET, "--config", &config],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("NoSuchEntity"),
        "{}",
        text(&out.stderr)
    );
}
