//! Evaluation of a realistic 20-statement policy set (three identity
//! policies with wildcards, variables and conditions) for one request.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tessera_policy::{AuthorizationRequest, Policy, PolicyKind, Principal, RequestContext, decide};

const MANAGED: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ListOwnBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::corp-data", "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}}},
    {"Sid": "ReadWriteHome", "Effect": "Allow", "Action": ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject"], "Resource": "arn:aws:s3:::corp-data/home/${aws:username}/*"},
    {"Sid": "ReadShared", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-data/shared/*"},
    {"Sid": "DenyInsecure", "Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOutsideNetwork", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32"]}, "Bool": {"aws:ViaAWSService": "false"}}},
    {"Sid": "DynamoOwnItems", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:*:111122223333:table/orders", "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}},
    {"Sid": "Ec2ByTag", "Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"], "Resource": "arn:aws:ec2:*:111122223333:instance/*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
    {"Sid": "DescribeAll", "Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:Get*", "cloudwatch:List*"], "Resource": "*"}
  ]
}"#;

const INLINE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AssumeDeploy", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/deploy-*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}},
    {"Sid": "OwnAccessKeys", "Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"], "Resource": "arn:aws:iam::111122223333:user/${aws:username}"},
    {"Sid": "OwnMfa", "Effect": "Allow", "Action": ["iam:*MFADevice*"], "Resource": ["arn:aws:iam::111122223333:mfa/${aws:username}", "arn:aws:iam::111122223333:user/${aws:username}"]},
    {"Sid": "DenyWithoutMfa", "Effect": "Deny", "NotAction": ["iam:ChangePassword", "iam:*MFADevice*", "sts:GetSessionToken"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    {"Sid": "BusinessHours", "Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:*:111122223333:log-group:/app/${aws:username}:*"},
    {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["team", "cost-*", "env"]}, "StringEquals": {"ec2:CreateAction": "RunInstances"}}}
  ]
}"#;

const GROUP: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "DenyProdDelete", "Effect": "Deny", "Action": ["s3:DeleteBucket", "dynamodb:DeleteTable", "rds:Delete*"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}},
    {"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "cloudfront:*", "route53:*"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1", "us-east-1"]}}},
    {"Sid": "KmsForS3", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "arn:aws:kms:*:111122223333:key/*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}},
    {"Sid": "SqsTeamQueues", "Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:111122223333:${aws:PrincipalTag/team}-*"},
    {"Sid": "ReadOnlyLambda", "Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*"], "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/*"}}}
  ]
}"#;

fn bench(c: &mut Criterion) {
    let managed = Policy::parse(MANAGED, PolicyKind::managed()).expect("managed policy");
    let inline = Policy::parse(INLINE, PolicyKind::inline_user()).expect("inline policy");
    let group = Policy::parse(GROUP, PolicyKind::inline_group()).expect("group policy");
    assert_eq!(
        managed.statements().len() + inline.statements().len() + group.statements().len(),
        20
    );
    let principal = Principal::user("arn:aws:iam::111122223333:user/alice").expect("principal");
    let ctx = RequestContext::new(
        principal,
        "s3:GetObject",
        "arn:aws:s3:::corp-data/home/alice/reports/2024.csv",
    )
    .with_resource_account("111122223333")
    .with_key("aws:SecureTransport", true)
    .with_key("aws:SourceIp", "203.0.113.44")
    .with_key("aws:ViaAWSService", false)
    .with_key("aws:MultiFactorAuthPresent", true)
    .with_key("aws:MultiFactorAuthAge", "120")
    .with_key("aws:RequestedRegion", "eu-west-1")
    .with_key("aws:PrincipalTag/team", "data")
    .with_key("aws:CurrentTime", "2025-03-04T10:11:12Z");
    let req = AuthorizationRequest::new(&ctx)
        .identity("arn:aws:iam::111122223333:policy/engineers", &managed)
        .identity("user/alice/inline/self-service", &inline)
        .identity("group/eng/inline/guardrails", &group);
    assert!(decide(&req).is_allowed());

    c.bench_function("decide: 20 statements, allow", |b| {
        b.iter(|| decide(black_box(&req)))
    });

    let denied_ctx = ctx.clone().with_key("aws:SourceIp", "192.0.2.1");
    let denied = AuthorizationRequest::new(&denied_ctx)
        .identity("arn:aws:iam::111122223333:policy/engineers", &managed)
        .identity("user/alice/inline/self-service", &inline)
        .identity("group/eng/inline/guardrails", &group);
    assert!(!decide(&denied).is_allowed());
    c.bench_function("decide: 20 statements, explicit deny", |b| {
        b.iter(|| decide(black_box(&denied)))
    });

    c.bench_function("parse: 8-statement managed policy", |b| {
        b.iter(|| Policy::parse(black_box(MANAGED), PolicyKind::managed()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
