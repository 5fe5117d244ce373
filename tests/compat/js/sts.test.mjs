// STS through the AWS SDK for JavaScript v3 (@aws-sdk/client-sts and
// fromTemporaryCredentials of @aws-sdk/credential-providers), against a real
// tessera server: caller identity, session and federation tokens, roles with
// session tags, session policies and durations, role chaining, authorization
// messages, and AWS errors as the SDK's exceptions.

import assert from "node:assert/strict";
import { after, before, test as nodeTest } from "node:test";

import { GetRoleCommand, ListRolesCommand, ListUsersCommand, IAMServiceException } from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  DecodeAuthorizationMessageCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  InvalidAuthorizationMessageException,
  MalformedPolicyDocumentException,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";

import {
  ACCOUNT_RE,
  ENCODED_MARKER,
  ASIA_RE,
  REGION,
  allow,
  assertExpiresIn,
  assumedRoleArn,
  documentOf,
  encodedMessageOf,
  fromSts,
  literal,
  makeRole,
  makeUser,
  rejectsWith,
  startServer,
  testWithLog,
  trust,
  unique,
} from "./harness.mjs";

let server;
let account;
const test = testWithLog(nodeTest, () => server);

before(async () => {
  server = await startServer();
  account = (await server.sts().send(new GetCallerIdentityCommand({}))).Account;
});
after(() => server?.close());

/** A trust policy letting the account's principals assume the role (with tags if `tags`). */
const accountTrust = (tags = false) =>
  trust({ AWS: `arn:aws:iam::${account}:root` }, tags ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole");

/**
 * AWS's message of AccessDenied for `principal` calling `action`: up to the
 * resource, or with `resource` up to the encoded authorization message.
 */
const deniedPrefix = (principal, action, resource) =>
  new RegExp(
    `^${literal(`User: ${principal} is not authorized to perform: ${action} on resource: `)}` +
      (resource === undefined ? "" : literal(`${resource}${ENCODED_MARKER}`)),
  );

test("GetCallerIdentity names the account's root and a user", async () => {
  const root = await server.sts().send(new GetCallerIdentityCommand({}));
  assert.match(root.Account, ACCOUNT_RE);
  assert.equal(root.Arn, `arn:aws:iam::${root.Account}:root`);
  assert.equal(root.UserId, root.Account);
  assert.match(root.$metadata.requestId, /^[0-9a-f-]{36}$/);

  const user = await makeUser(server.iam());
  const identity = await server.sts(user.credentials).send(new GetCallerIdentityCommand({}));
  assert.deepEqual(
    { Account: identity.Account, Arn: identity.Arn, UserId: identity.UserId },
    { Account: account, Arn: `arn:aws:iam::${account}:user/${user.name}`, UserId: user.userId },
  );
  assert.match(user.userId, /^AIDA[A-Z2-7]{17}$/);
});

test("GetSessionToken returns a user's session credentials", async () => {
  const user = await makeUser(server.iam());
  const { Credentials } = await server.sts(user.credentials).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  assert.match(Credentials.AccessKeyId, ASIA_RE);
  assert.equal(typeof Credentials.SecretAccessKey, "string");
  assert.ok(Credentials.SecretAccessKey.length >= 40);
  assert.ok(Credentials.SessionToken.length > 0);
  assertExpiresIn(Credentials.Expiration, 900);

  const identity = await server.sts(fromSts(Credentials)).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, user.arn);
  assert.equal(identity.UserId, user.userId);

  // Session credentials cannot get another session token (as in AWS).
  await rejectsWith(server.sts(fromSts(Credentials)).send(new GetSessionTokenCommand({})), {
    type: STSServiceException,
    code: "AccessDenied",
    status: 403,
  });
});

test("AssumeRole with session tags, a session policy and a duration", async () => {
  const iam = server.iam();
  const role = await makeRole(iam, accountTrust(true), [
    allow("iam:ListUsers", "*", { StringEquals: { "aws:PrincipalTag/team": "blue" } }),
    allow("iam:ListRoles"),
  ]);
  const user = await makeUser(iam, allow(["sts:AssumeRole", "sts:TagSession"], role.arn));
  const sts = server.sts(user.credentials);

  const resp = await sts.send(
    new AssumeRoleCommand({
      RoleArn: role.arn,
      RoleSessionName: "blue-session",
      DurationSeconds: 1800,
      Tags: [{ Key: "team", Value: "blue" }],
      TransitiveTagKeys: ["team"],
      Policy: documentOf(allow("iam:ListUsers")),
    }),
  );
  const sessionArn = assumedRoleArn(account, role.arn, "blue-session");
  assert.deepEqual(resp.AssumedRoleUser, { Arn: sessionArn, AssumedRoleId: `${role.roleId}:blue-session` });
  assert.match(role.roleId, /^AROA[A-Z2-7]{17}$/);
  assert.match(resp.Credentials.AccessKeyId, ASIA_RE);
  assertExpiresIn(resp.Credentials.Expiration, 1800);
  assert.equal(typeof resp.PackedPolicySize, "number");
  assert.ok(resp.PackedPolicySize >= 1 && resp.PackedPolicySize <= 100, `${resp.PackedPolicySize}`);

  const blue = fromSts(resp.Credentials);
  const identity = await server.sts(blue).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, sessionArn);
  assert.equal(identity.UserId, `${role.roleId}:blue-session`);
  assert.equal(identity.Account, account);

  // The tag satisfies the role's condition; the session policy allows ListUsers only.
  const users = await server.iam(blue).send(new ListUsersCommand({}));
  assert.ok(users.Users.some((u) => u.UserName === user.name && u.Arn === user.arn));
  await rejectsWith(server.iam(blue).send(new ListRolesCommand({})), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: deniedPrefix(sessionArn, "iam:ListRoles"),
  });

  // Another tag value does not satisfy it.
  const red = await sts.send(
    new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: "red-session", Tags: [{ Key: "team", Value: "red" }] }),
  );
  assertExpiresIn(red.Credentials.Expiration, 3600);
  await rejectsWith(server.iam(fromSts(red.Credentials)).send(new ListUsersCommand({})), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: deniedPrefix(red.AssumedRoleUser.Arn, "iam:ListUsers"),
  });
  // Without a session policy the role's own ListRoles is allowed.
  const roles = await server.iam(fromSts(red.Credentials)).send(new ListRolesCommand({}));
  assert.ok(roles.Roles.some((r) => r.Arn === role.arn && r.RoleId === role.roleId));
});

test("a denied AssumeRole is AccessDenied with an encoded authorization message", async () => {
  const role = await makeRole(server.iam(), accountTrust());
  const user = await makeUser(server.iam(), allow("iam:ListRoles"));
  const error = await rejectsWith(
    server.sts(user.credentials).send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: "nope" })),
    {
      type: STSServiceException,
      code: "AccessDenied",
      status: 403,
      message: deniedPrefix(user.arn, "sts:AssumeRole", role.arn),
    },
  );
  assert.ok(encodedMessageOf(error).length > 0);
  assert.match(error.$metadata.requestId, /^[0-9a-f-]{36}$/);

  // The root user may not assume roles at all (as in AWS).
  await rejectsWith(server.sts().send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: "as-root" })), {
    type: STSServiceException,
    code: "AccessDenied",
    status: 403,
  });
});

test("bad input to AssumeRole is ValidationError or MalformedPolicyDocumentException", async () => {
  const role = await makeRole(server.iam(), accountTrust());
  const user = await makeUser(server.iam(), allow("sts:AssumeRole", role.arn));
  const sts = server.sts(user.credentials);
  const assume = (params) =>
    sts.send(new AssumeRoleCommand({ RoleArn: role.arn, RoleSessionName: "errors", ...params }));

  await rejectsWith(assume({ DurationSeconds: 899 }), {
    type: STSServiceException,
    code: "ValidationError",
    status: 400,
    message: /durationSeconds/,
  });
  // Past the role's MaxSessionDuration (one hour by default).
  await rejectsWith(assume({ DurationSeconds: 3601 }), {
    type: STSServiceException,
    code: "ValidationError",
    status: 400,
  });
  await rejectsWith(assume({ RoleSessionName: "has space" }), {
    type: STSServiceException,
    code: "ValidationError",
    status: 400,
    message: /roleSessionName/,
  });
  await rejectsWith(assume({ Policy: "{not json" }), {
    type: MalformedPolicyDocumentException,
    name: "MalformedPolicyDocumentException",
    code: "MalformedPolicyDocument",
    status: 400,
  });
  // The limits themselves are accepted.
  const ok = await assume({ RoleSessionName: "ab", DurationSeconds: 900 });
  assert.equal(ok.AssumedRoleUser.Arn, assumedRoleArn(account, role.arn, "ab"));
  assertExpiresIn(ok.Credentials.Expiration, 900);
});

test("GetFederationToken returns a federated user's credentials", async () => {
  const broker = await makeUser(server.iam(), allow(["sts:GetFederationToken", "iam:ListUsers"]));
  const name = `fed${unique("x").slice(2)}`;
  const resp = await server.sts(broker.credentials).send(
    new GetFederationTokenCommand({ Name: name, Policy: documentOf(allow("iam:ListUsers")), DurationSeconds: 900 }),
  );
  const fedArn = `arn:aws:sts::${account}:federated-user/${name}`;
  assert.deepEqual(resp.FederatedUser, { Arn: fedArn, FederatedUserId: `${account}:${name}` });
  assert.match(resp.Credentials.AccessKeyId, ASIA_RE);
  assertExpiresIn(resp.Credentials.Expiration, 900);
  assert.ok(resp.PackedPolicySize >= 1);

  const fed = fromSts(resp.Credentials);
  const identity = await server.sts(fed).send(new GetCallerIdentityCommand({}));
  assert.deepEqual(
    { Arn: identity.Arn, Account: identity.Account, UserId: identity.UserId },
    { Arn: fedArn, Account: account, UserId: `${account}:${name}` },
  );
  // As in AWS, a federated user may call no IAM action, whatever the policies say.
  await rejectsWith(server.iam(fed).send(new ListUsersCommand({})), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: deniedPrefix(fedArn, "iam:ListUsers"),
  });
});

test("DecodeAuthorizationMessage decodes a denial's message", async () => {
  const user = await makeUser(server.iam(), allow("iam:ListRoles"));
  const roleName = unique("victim");
  const target = `arn:aws:iam::${account}:role/${roleName}`;
  const error = await rejectsWith(server.iam(user.credentials).send(new GetRoleCommand({ RoleName: roleName })), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: deniedPrefix(user.arn, "iam:GetRole", target),
  });
  const encoded = encodedMessageOf(error);

  const { DecodedMessage } = await server
    .sts()
    .send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
  const decoded = JSON.parse(DecodedMessage);
  assert.equal(decoded.allowed, false);
  assert.equal(decoded.explicitDeny, false);
  assert.equal(decoded.context.action, "iam:GetRole");
  assert.equal(decoded.context.resource, target);
  assert.equal(decoded.context.principal.arn, user.arn);

  // The user itself is not allowed sts:DecodeAuthorizationMessage.
  await rejectsWith(
    server.sts(user.credentials).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded })),
    {
      type: STSServiceException,
      code: "AccessDenied",
      status: 403,
      message: deniedPrefix(user.arn, "sts:DecodeAuthorizationMessage"),
    },
  );
  // A tampered message is the modeled InvalidAuthorizationMessageException.
  const at = Math.floor(encoded.length / 2);
  const tampered = encoded.slice(0, at) + (encoded[at] === "A" ? "B" : "A") + encoded.slice(at + 1);
  await rejectsWith(server.sts().send(new DecodeAuthorizationMessageCommand({ EncodedMessage: tampered })), {
    type: InvalidAuthorizationMessageException,
    name: "InvalidAuthorizationMessageException",
    code: "InvalidAuthorizationMessageException",
    status: 400,
  });
});

test("fromTemporaryCredentials chains roles through AssumeRole", async () => {
  const iam = server.iam();
  const second = await makeRole(iam, accountTrust(), [allow("iam:GetRole")], { MaxSessionDuration: 43200 });
  const first = await makeRole(iam, accountTrust(), [allow("sts:AssumeRole", second.arn)]);
  const user = await makeUser(iam, allow("sts:AssumeRole", first.arn));
  const clientConfig = { endpoint: server.endpoint, region: REGION, maxAttempts: 1 };

  const firstProvider = fromTemporaryCredentials({
    masterCredentials: user.credentials,
    params: { RoleArn: first.arn, RoleSessionName: "first" },
    clientConfig,
  });
  const chained = fromTemporaryCredentials({
    masterCredentials: firstProvider,
    params: { RoleArn: second.arn, RoleSessionName: "second", DurationSeconds: 900 },
    clientConfig,
  });

  const credentials = await chained();
  assert.match(credentials.accessKeyId, ASIA_RE);
  assert.ok(credentials.sessionToken.length > 0);
  assertExpiresIn(credentials.expiration, 900);

  const sts = new STSClient({ ...clientConfig, credentials: chained });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, assumedRoleArn(account, second.arn, "second"));
  assert.equal(identity.UserId, `${second.roleId}:second`);
  assert.equal(identity.Account, account);
  const firstIdentity = await new STSClient({ ...clientConfig, credentials: firstProvider }).send(
    new GetCallerIdentityCommand({}),
  );
  assert.equal(firstIdentity.Arn, assumedRoleArn(account, first.arn, "first"));

  // The chained session works for the second role's own permissions.
  const { Role } = await server.iam(credentials).send(new GetRoleCommand({ RoleName: second.name }));
  assert.equal(Role.Arn, second.arn);
  assert.equal(Role.MaxSessionDuration, 43200);

  // Role chaining is capped at one hour, whatever the role allows.
  const tooLong = fromTemporaryCredentials({
    masterCredentials: firstProvider,
    params: { RoleArn: second.arn, RoleSessionName: "too-long", DurationSeconds: 7200 },
    clientConfig,
  });
  await rejectsWith(tooLong(), { type: STSServiceException, code: "ValidationError", status: 400 });
});
