// IAM through the AWS SDK for JavaScript v3 (@aws-sdk/client-iam) against a
// real tessera server: users with tags and pagination through the SDK's
// paginators, roles, managed policies and their attachments, access keys
// used for signing, deletion, and AWS errors as the SDK's exceptions.

import assert from "node:assert/strict";
import { after, before, test as nodeTest } from "node:test";

import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMServiceException,
  InvalidInputException,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  ListUsersCommand,
  NoSuchEntityException,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  paginateListAttachedRolePolicies,
  paginateListUsers,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSServiceException } from "@aws-sdk/client-sts";

import {
  AKIA_RE,
  allow,
  documentOf,
  literal,
  rejectsWith,
  startServer,
  testWithLog,
  trust,
  unique,
} from "./harness.mjs";

let server;
let account;
let iam;
const test = testWithLog(nodeTest, () => server);

before(async () => {
  server = await startServer();
  iam = server.iam();
  account = (await server.sts().send(new GetCallerIdentityCommand({}))).Account;
});
after(() => server?.close());

const USER_ID_RE = /^AIDA[A-Z2-7]{17}$/;

/** All the items of an SDK paginator's pages under `key`, and the pages' sizes. */
async function collect(paginator, key) {
  const items = [];
  const sizes = [];
  for await (const page of paginator) {
    items.push(...page[key]);
    sizes.push(page[key].length);
  }
  return { items, sizes };
}

test("CreateUser, GetUser and tags of a user", async () => {
  const name = unique("alice");
  const path = `/${unique("team")}/`;
  const before = Date.now();
  const { User: created } = await iam.send(
    new CreateUserCommand({
      UserName: name,
      Path: path,
      Tags: [
        { Key: "team", Value: "blue" },
        { Key: "cost-center", Value: "42" },
      ],
    }),
  );
  assert.equal(created.UserName, name);
  assert.equal(created.Path, path);
  assert.equal(created.Arn, `arn:aws:iam::${account}:user${path}${name}`);
  assert.match(created.UserId, USER_ID_RE);
  assert.ok(created.CreateDate instanceof Date);
  assert.ok(Math.abs(created.CreateDate.getTime() - before) < 60_000, `${created.CreateDate}`);

  const { User: got } = await iam.send(new GetUserCommand({ UserName: name }));
  assert.equal(got.UserId, created.UserId);
  assert.equal(got.Arn, created.Arn);
  assert.equal(got.CreateDate.getTime(), created.CreateDate.getTime());
  assert.deepEqual(
    [...got.Tags].sort((a, b) => a.Key.localeCompare(b.Key)),
    [
      { Key: "cost-center", Value: "42" },
      { Key: "team", Value: "blue" },
    ],
  );

  await iam.send(
    new TagUserCommand({
      UserName: name,
      Tags: [
        { Key: "team", Value: "red" },
        { Key: "env", Value: "dev" },
      ],
    }),
  );
  await iam.send(new UntagUserCommand({ UserName: name, TagKeys: ["cost-center"] }));
  const { Tags, IsTruncated } = await iam.send(new ListUserTagsCommand({ UserName: name }));
  assert.equal(IsTruncated, false);
  assert.deepEqual(
    Object.fromEntries(Tags.map((t) => [t.Key, t.Value])),
    { env: "dev", team: "red" },
  );

  // A name that differs only in case is the same user (as in AWS).
  await rejectsWith(iam.send(new CreateUserCommand({ UserName: name.toUpperCase() })), {
    type: EntityAlreadyExistsException,
    name: "EntityAlreadyExistsException",
    code: "EntityAlreadyExists",
    status: 409,
    message: new RegExp(name.toUpperCase(), "i"),
  });
});

test("ListUsers pages through the SDK's paginator", async () => {
  const path = `/${unique("page")}/`;
  const names = [];
  for (let i = 0; i < 5; i++) {
    const name = unique(`u${i}`);
    names.push(name);
    await iam.send(new CreateUserCommand({ UserName: name, Path: path }));
  }

  const first = await iam.send(new ListUsersCommand({ PathPrefix: path, MaxItems: 2 }));
  assert.equal(first.Users.length, 2);
  assert.equal(first.IsTruncated, true);
  assert.equal(typeof first.Marker, "string");
  assert.ok(first.Marker.length > 0);

  const paginator = paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: path });
  const { items, sizes } = await collect(paginator, "Users");
  assert.deepEqual(sizes, [2, 2, 1]);
  assert.deepEqual(items.map((u) => u.UserName).sort(), [...names].sort());
  for (const user of items) {
    assert.equal(user.Path, path);
    assert.equal(user.Arn, `arn:aws:iam::${account}:user${path}${user.UserName}`);
    assert.match(user.UserId, USER_ID_RE);
  }
  assert.equal(new Set(items.map((u) => u.UserId)).size, 5);

  // One page holds them all when the page is large enough.
  const whole = await collect(paginateListUsers({ client: iam, pageSize: 100 }, { PathPrefix: path }), "Users");
  assert.deepEqual(whole.sizes, [5]);

  // A marker that the server never issued is bad input.
  await rejectsWith(iam.send(new ListUsersCommand({ PathPrefix: path, Marker: "not-a-marker" })), {
    type: InvalidInputException,
    name: "InvalidInputException",
    code: "InvalidInput",
    status: 400,
    message: "Invalid Marker.",
  });
});

test("CreateRole, GetRole and DeleteRole", async () => {
  const name = unique("deployer");
  const trustPolicy = trust({ AWS: `arn:aws:iam::${account}:root` });
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      Path: "/service/",
      AssumeRolePolicyDocument: trustPolicy,
      Description: "deploys things",
      MaxSessionDuration: 7200,
      Tags: [{ Key: "owner", Value: "ops" }],
    }),
  );
  assert.equal(Role.Arn, `arn:aws:iam::${account}:role/service/${name}`);
  assert.match(Role.RoleId, /^AROA[A-Z2-7]{17}$/);
  assert.equal(Role.Path, "/service/");

  const { Role: got } = await iam.send(new GetRoleCommand({ RoleName: name }));
  assert.equal(got.RoleId, Role.RoleId);
  assert.equal(got.Arn, Role.Arn);
  assert.equal(got.Description, "deploys things");
  assert.equal(got.MaxSessionDuration, 7200);
  // The document comes back URL-encoded, as from AWS.
  assert.deepEqual(JSON.parse(decodeURIComponent(got.AssumeRolePolicyDocument)), JSON.parse(trustPolicy));
  assert.deepEqual(got.Tags, [{ Key: "owner", Value: "ops" }]);
  const { Tags } = await iam.send(new ListRoleTagsCommand({ RoleName: name }));
  assert.deepEqual(Tags, [{ Key: "owner", Value: "ops" }]);

  await iam.send(new DeleteRoleCommand({ RoleName: name }));
  await rejectsWith(iam.send(new GetRoleCommand({ RoleName: name })), {
    type: NoSuchEntityException,
    name: "NoSuchEntityException",
    code: "NoSuchEntity",
    status: 404,
    message: `The role with name ${name} cannot be found.`,
  });
  await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: name })), {
    type: NoSuchEntityException,
    name: "NoSuchEntityException",
    code: "NoSuchEntity",
    status: 404,
  });
});

test("CreatePolicy, AttachRolePolicy and ListAttachedRolePolicies", async () => {
  const role = unique("reader");
  await iam.send(
    new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${account}:root` }) }),
  );
  const policies = [];
  for (const action of ["iam:ListUsers", "iam:ListRoles", "iam:GetUser"]) {
    const name = unique("policy");
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: name,
        Path: "/app/",
        PolicyDocument: documentOf(allow(action)),
        Description: `may ${action}`,
      }),
    );
    assert.equal(Policy.Arn, `arn:aws:iam::${account}:policy/app/${name}`);
    assert.equal(Policy.PolicyName, name);
    assert.match(Policy.PolicyId, /^ANPA[A-Z2-7]{17}$/);
    assert.equal(Policy.DefaultVersionId, "v1");
    assert.equal(Policy.AttachmentCount, 0);
    assert.equal(Policy.IsAttachable, true);
    policies.push(Policy);
    await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: Policy.Arn }));
  }

  const { AttachedPolicies, IsTruncated } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
  assert.equal(IsTruncated, false);
  const byArn = (a, b) => a.PolicyArn.localeCompare(b.PolicyArn);
  const expected = policies.map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.Arn })).sort(byArn);
  assert.deepEqual([...AttachedPolicies].sort(byArn), expected);
  const paged = await collect(
    paginateListAttachedRolePolicies({ client: iam, pageSize: 2 }, { RoleName: role }),
    "AttachedPolicies",
  );
  assert.deepEqual(paged.sizes, [2, 1]);
  assert.deepEqual(paged.items.sort(byArn), expected);

  const { Policy: attached } = await iam.send(new GetPolicyCommand({ PolicyArn: policies[0].Arn }));
  assert.equal(attached.AttachmentCount, 1);
  assert.equal(attached.PolicyId, policies[0].PolicyId);
  assert.equal(attached.Description, "may iam:ListUsers");

  // A role with attached policies, or a policy attached somewhere, cannot be deleted.
  await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: role })), {
    type: DeleteConflictException,
    name: "DeleteConflictException",
    code: "DeleteConflict",
    status: 409,
  });
  await rejectsWith(iam.send(new DeletePolicyCommand({ PolicyArn: policies[0].Arn })), {
    type: DeleteConflictException,
    name: "DeleteConflictException",
    code: "DeleteConflict",
    status: 409,
  });
  // Attaching a policy that does not exist.
  const missing = `arn:aws:iam::${account}:policy/app/${unique("missing")}`;
  await rejectsWith(iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: missing })), {
    type: NoSuchEntityException,
    code: "NoSuchEntity",
    name: "NoSuchEntityException",
    status: 404,
  });

  for (const policy of policies) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: policy.Arn }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }));
  }
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies, []);
  await iam.send(new DeleteRoleCommand({ RoleName: role }));
});

test("CreateAccessKey, signing with the new key, and DeleteUser", async () => {
  const name = unique("bob");
  const { User } = await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: "self",
      PolicyDocument: documentOf(allow("iam:GetUser", User.Arn)),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  assert.match(AccessKey.AccessKeyId, AKIA_RE);
  assert.equal(AccessKey.UserName, name);
  assert.equal(AccessKey.Status, "Active");
  assert.equal(AccessKey.SecretAccessKey.length, 40);
  assert.ok(AccessKey.CreateDate instanceof Date);

  const credentials = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
  const identity = await server.sts(credentials).send(new GetCallerIdentityCommand({}));
  assert.deepEqual(
    { Arn: identity.Arn, UserId: identity.UserId, Account: identity.Account },
    { Arn: User.Arn, UserId: User.UserId, Account: account },
  );
  // GetUser without a name is the caller itself.
  const { User: self } = await server.iam(credentials).send(new GetUserCommand({}));
  assert.equal(self.UserId, User.UserId);
  // The key's policy allows nothing else.
  await rejectsWith(server.iam(credentials).send(new ListUsersCommand({})), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: new RegExp(`^${literal(`User: ${User.Arn} is not authorized to perform: iam:ListUsers on resource: `)}`),
  });

  const { AccessKeyMetadata } = await iam.send(new ListAccessKeysCommand({ UserName: name }));
  assert.deepEqual(
    AccessKeyMetadata.map((k) => ({ AccessKeyId: k.AccessKeyId, Status: k.Status, UserName: k.UserName })),
    [{ AccessKeyId: AccessKey.AccessKeyId, Status: "Active", UserName: name }],
  );
  assert.equal(AccessKeyMetadata[0].SecretAccessKey, undefined);

  // A user with a key and a policy cannot be deleted until they are gone.
  await rejectsWith(iam.send(new DeleteUserCommand({ UserName: name })), {
    type: DeleteConflictException,
    name: "DeleteConflictException",
    code: "DeleteConflict",
    status: 409,
  });
  await iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: AccessKey.AccessKeyId }));
  await iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: "self" }));
  await iam.send(new DeleteUserCommand({ UserName: name }));

  await rejectsWith(iam.send(new GetUserCommand({ UserName: name })), {
    type: NoSuchEntityException,
    name: "NoSuchEntityException",
    code: "NoSuchEntity",
    status: 404,
    message: `The user with name ${name} cannot be found.`,
  });
  // The deleted user's key no longer signs.
  await rejectsWith(server.sts(credentials).send(new GetCallerIdentityCommand({})), {
    type: STSServiceException,
    code: "InvalidClientTokenId",
    status: 403,
  });
});

test("bad input to IAM is ValidationError or InvalidInputException", async () => {
  await rejectsWith(iam.send(new CreateUserCommand({ UserName: "has space" })), {
    type: IAMServiceException,
    code: "ValidationError",
    status: 400,
    message: /userName/,
  });
  await rejectsWith(iam.send(new CreateUserCommand({ UserName: "x".repeat(65) })), {
    type: IAMServiceException,
    code: "ValidationError",
    status: 400,
  });
  await rejectsWith(iam.send(new CreateUserCommand({ UserName: unique("p"), Path: "no-slashes" })), {
    type: IAMServiceException,
    code: "ValidationError",
    status: 400,
  });
  await rejectsWith(
    iam.send(new CreateUserCommand({ UserName: unique("t"), Tags: [{ Key: "aws:reserved", Value: "x" }] })),
    { type: InvalidInputException, code: "InvalidInput", name: "InvalidInputException", status: 400 },
  );
});
