// The newer IAM operations through the AWS SDK for JavaScript v3, whose own
// XML parser reads blobs, timestamps and nested lists strictly: the
// credential report (a base64 blob of CSV), service-linked roles and their
// deletion tasks, account authorization details, context keys, and
// SetSecurityTokenServicePreferences reported by GetAccountSummary.

import assert from "node:assert/strict";
import { after, before, test as nodeTest } from "node:test";

import {
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  DeleteServiceLinkedRoleCommand,
  DeleteRoleCommand,
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetContextKeysForCustomPolicyCommand,
  GetCredentialReportCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  InvalidInputException,
  PutUserPolicyCommand,
  SetSecurityTokenServicePreferencesCommand,
  UnmodifiableEntityException,
  UpdateRoleDescriptionCommand,
} from "@aws-sdk/client-iam";

import { allow, documentOf, rejectsWith, startServer, testWithLog, unique } from "./harness.mjs";

let server;
let iam;
const test = testWithLog(nodeTest, () => server);

before(async () => {
  server = await startServer();
  iam = server.iam();
});
after(() => server?.close());

test("the credential report is a CSV blob with AWS's columns", async () => {
  const name = unique("reported");
  await iam.send(new CreateUserCommand({ UserName: name }));
  const generated = await iam.send(new GenerateCredentialReportCommand({}));
  assert.ok(["STARTED", "COMPLETE"].includes(generated.State), generated.State);
  const report = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(report.ReportFormat, "text/csv");
  assert.ok(report.GeneratedTime instanceof Date);
  assert.ok(report.Content instanceof Uint8Array);
  const lines = new TextDecoder().decode(report.Content).trim().split("\n");
  assert.equal(lines[0].split(",")[0], "user");
  assert.equal(lines[0].split(",").length, 22);
  assert.equal(lines[1].split(",")[0], "<root_account>");
  assert.ok(lines.some((line) => line.startsWith(`${name},`)), lines.join("\n"));
});

test("a service-linked role, its protection and its deletion task", async () => {
  const { Role: role } = await iam.send(
    new CreateServiceLinkedRoleCommand({ AWSServiceName: "elasticloadbalancing.amazonaws.com" }),
  );
  assert.equal(role.RoleName, "AWSServiceRoleForElasticLoadBalancing");
  assert.equal(role.Path, "/aws-service-role/elasticloadbalancing.amazonaws.com/");
  assert.ok(role.CreateDate instanceof Date);
  await rejectsWith(iam.send(new DeleteRoleCommand({ RoleName: role.RoleName })), {
    type: UnmodifiableEntityException,
    name: "UnmodifiableEntityException",
    code: "UnmodifiableEntity",
    status: 400,
  });
  const { Role: described } = await iam.send(
    new UpdateRoleDescriptionCommand({ RoleName: role.RoleName, Description: "load balancers" }),
  );
  assert.equal(described.Description, "load balancers");
  await rejectsWith(
    iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "elasticloadbalancing.amazonaws.com" })),
    { type: InvalidInputException, name: "InvalidInputException", code: "InvalidInput", status: 400 },
  );
  const { DeletionTaskId } = await iam.send(
    new DeleteServiceLinkedRoleCommand({ RoleName: role.RoleName }),
  );
  assert.match(DeletionTaskId, /^task\/aws-service-role\/elasticloadbalancing\.amazonaws\.com\//);
  const status = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }));
  assert.equal(status.Status, "SUCCEEDED");
});

test("authorization details, context keys and the STS preferences", async () => {
  const name = unique("detailed");
  await iam.send(new CreateUserCommand({ UserName: name }));
  const document = documentOf(
    allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*", {
      StringEquals: { "aws:SourceVpc": "vpc-1" },
    }),
  );
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "own", PolicyDocument: document }));
  const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"] }));
  const user = details.UserDetailList.find((u) => u.UserName === name);
  assert.ok(user, JSON.stringify(details.UserDetailList));
  assert.equal(user.UserPolicyList[0].PolicyName, "own");
  assert.deepEqual(JSON.parse(decodeURIComponent(user.UserPolicyList[0].PolicyDocument)), JSON.parse(document));
  assert.ok(user.CreateDate instanceof Date);

  const { ContextKeyNames } = await iam.send(
    new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [document] }),
  );
  assert.deepEqual([...ContextKeyNames].sort(), ["aws:SourceVpc", "aws:username"]);

  await iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: "v2Token" }));
  const { SummaryMap } = await iam.send(new GetAccountSummaryCommand({}));
  assert.equal(SummaryMap.GlobalEndpointTokenVersion, 2);
});
