// AssumeRoleWithWebIdentity through the AWS SDK for JavaScript v3: the
// command itself, `fromWebToken` of @aws-sdk/credential-providers, and the
// SDK's default chain reading a token file (the Kubernetes pattern).
//
// As tests/compat/python/test_web_identity.py does, the test runs its own
// OIDC issuer (discovery document and JWKS) on loopback over HTTPS, since
// Tessera fetches an issuer's keys over HTTPS only: a private CA and a
// certificate for 127.0.0.1 are made here with the openssl command line, and
// Tessera trusts that CA through `--idp-ca-file`. Tokens are RS256 JWTs signed
// with a key made here, independently of Tessera's verifier.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test as nodeTest } from "node:test";

import {
  CreateOpenIDConnectProviderCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  IAMServiceException,
  ListRolesCommand,
} from "@aws-sdk/client-iam";
import {
  AssumeRoleWithWebIdentityCommand,
  ExpiredTokenException,
  GetCallerIdentityCommand,
  InvalidIdentityTokenException,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { fromWebToken } from "@aws-sdk/credential-providers";

import {
  ASIA_RE,
  REGION,
  allow,
  assertExpiresIn,
  assumedRoleArn,
  documentOf,
  fromSts,
  literal,
  makeRole,
  rejectsWith,
  startServer,
  testWithLog,
  unique,
} from "./harness.mjs";

const CLIENT_ID = "tessera-compat-js";
const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// A loopback OIDC issuer
// ---------------------------------------------------------------------------

/** A private CA and a server certificate for 127.0.0.1 in `dir`: {ca, cert, key} (paths). */
function makeTls(dir) {
  const file = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "1",
    "-subj", "/CN=tessera test IdP CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(
    file("server.ext"),
    "basicConstraints=critical,CA:FALSE\n" +
      "keyUsage=critical,digitalSignature\n" +
      "extendedKeyUsage=serverAuth\n" +
      "subjectAltName=IP:127.0.0.1\n",
  );
  openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"),
    "-set_serial", `0x${randomBytes(8).toString("hex")}`, "-days", "1", "-sha256",
    "-extfile", file("server.ext"), "-out", file("server.pem"));
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

const b64url = (data) => Buffer.from(data).toString("base64url");

/** Discovery and JWKS over HTTPS on 127.0.0.1, with one RSA signing key. */
class Issuer {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "tessera-js-idp-"));
    this.tls = makeTls(this.dir);
    this.kid = "key-1";
    this.keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.jwksFetches = 0;
  }

  async start() {
    this.httpd = createServer(
      { cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) },
      (request, response) => {
        let body;
        if (request.url === "/.well-known/openid-configuration") {
          body = { issuer: this.url, jwks_uri: `${this.url}/jwks` };
        } else if (request.url === "/jwks") {
          this.jwksFetches += 1;
          const jwk = this.keys.publicKey.export({ format: "jwk" });
          body = { keys: [{ ...jwk, kid: this.kid, use: "sig", alg: "RS256" }] };
        } else {
          response.writeHead(404).end();
          return;
        }
        const data = JSON.stringify(body);
        response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
        response.end(data);
      },
    );
    await new Promise((resolve, reject) => {
      this.httpd.once("error", reject);
      this.httpd.listen(0, "127.0.0.1", resolve);
    });
    this.host = `127.0.0.1:${this.httpd.address().port}`;
    this.url = `https://${this.host}`;
    return this;
  }

  async stop() {
    if (this.httpd) {
      this.httpd.closeAllConnections();
      await new Promise((resolve) => this.httpd.close(resolve));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The claims of a token of `sub` for CLIENT_ID, valid ten minutes, with `overrides`. */
  claims(overrides = {}) {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.url, sub: "alice", aud: CLIENT_ID, iat: now, nbf: now, exp: now + 600, ...overrides };
  }

  /** An RS256 JWT of the claims, signed with the issuer's key (or `privateKey`). */
  token(overrides = {}, privateKey = this.keys.privateKey) {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: this.kid }));
    const payload = b64url(JSON.stringify(this.claims(overrides)));
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }
}

// ---------------------------------------------------------------------------
// The server, the provider and a role trusting it
// ---------------------------------------------------------------------------

let issuer;
let server;
let account;
let providerArn;
let role;
const test = testWithLog(nodeTest, () => server);

before(async () => {
  issuer = await new Issuer().start();
  server = await startServer({ extraArgs: ["--idp-ca-file", issuer.tls.ca] });
  account = (await server.sts().send(new GetCallerIdentityCommand({}))).Account;
  const iam = server.iam();
  ({ OpenIDConnectProviderArn: providerArn } = await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: issuer.url,
      ClientIDList: [CLIENT_ID],
      ThumbprintList: ["a".repeat(40)],
    }),
  ));
  role = await makeRole(
    iam,
    documentOf({
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${issuer.host}:aud`]: CLIENT_ID,
          [`${issuer.host}:sub`]: ["alice", "system:serviceaccount:default:app"],
        },
      },
    }),
    [allow(["iam:GetRole", "iam:ListRoles"])],
  );
});
after(async () => {
  await server?.close();
  await issuer?.stop();
});

/** An STS client without credentials: AssumeRoleWithWebIdentity goes out unsigned. */
const anonymousSts = () => new STSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1 });

const assumeWithToken = (token, params = {}) =>
  anonymousSts().send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: role.arn,
      RoleSessionName: "web-session",
      WebIdentityToken: token,
      ...params,
    }),
  );

test("the provider is registered under the issuer's host", () => {
  assert.equal(providerArn, `arn:aws:iam::${account}:oidc-provider/${issuer.host}`);
});

test("AssumeRoleWithWebIdentity returns the role's credentials", async () => {
  const resp = await assumeWithToken(issuer.token(), { DurationSeconds: 900 });
  const sessionArn = assumedRoleArn(account, role.arn, "web-session");
  assert.equal(resp.SubjectFromWebIdentityToken, "alice");
  assert.equal(resp.Audience, CLIENT_ID);
  assert.equal(resp.Provider, providerArn);
  assert.deepEqual(resp.AssumedRoleUser, { Arn: sessionArn, AssumedRoleId: `${role.roleId}:web-session` });
  assert.equal(resp.PackedPolicySize, undefined);
  assert.match(resp.Credentials.AccessKeyId, ASIA_RE);
  assertExpiresIn(resp.Credentials.Expiration, 900);
  assert.ok(issuer.jwksFetches >= 1, "Tessera fetched the issuer's keys");

  const identity = await server.sts(fromSts(resp.Credentials)).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, sessionArn);
  assert.equal(identity.UserId, `${role.roleId}:web-session`);
  assert.equal(identity.Account, account);
});

test("fromWebToken gets and uses the role's credentials", async () => {
  const clientConfig = { endpoint: server.endpoint, region: REGION, maxAttempts: 1 };
  const provider = fromWebToken({
    roleArn: role.arn,
    webIdentityToken: issuer.token(),
    roleSessionName: "from-web-token",
    durationSeconds: 1200,
    policy: documentOf(allow("iam:GetRole")),
    clientConfig,
  });
  const credentials = await provider();
  assert.match(credentials.accessKeyId, ASIA_RE);
  assert.ok(credentials.sessionToken.length > 0);
  assertExpiresIn(credentials.expiration, 1200);

  const sessionArn = assumedRoleArn(account, role.arn, "from-web-token");
  const sts = new STSClient({ ...clientConfig, credentials: provider });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, sessionArn);
  assert.equal(identity.UserId, `${role.roleId}:from-web-token`);

  // The session policy passed through fromWebToken narrows the role's permissions.
  const { Role } = await server.iam(credentials).send(new GetRoleCommand({ RoleName: role.name }));
  assert.equal(Role.Arn, role.arn);
  await rejectsWith(server.iam(credentials).send(new ListRolesCommand({})), {
    type: IAMServiceException,
    code: "AccessDenied",
    status: 403,
    message: new RegExp(`^${literal(`User: ${sessionArn} is not authorized to perform: iam:ListRoles`)}`),
  });
});

test("bad tokens surface as the SDK's STS exceptions", async () => {
  await rejectsWith(assumeWithToken(issuer.token({ aud: "someone-else" })), {
    type: InvalidIdentityTokenException,
    name: "InvalidIdentityTokenException",
    code: "InvalidIdentityToken",
    status: 400,
  });
  const now = Math.floor(Date.now() / 1000);
  await rejectsWith(assumeWithToken(issuer.token({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })), {
    type: ExpiredTokenException,
    name: "ExpiredTokenException",
    code: "ExpiredTokenException",
    status: 400,
  });
  // Signed by a key the issuer never published.
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  await rejectsWith(assumeWithToken(issuer.token({}, stranger)), {
    type: InvalidIdentityTokenException,
    code: "InvalidIdentityToken",
    name: "InvalidIdentityTokenException",
    status: 400,
  });
  // A valid token whose subject the trust policy does not name.
  await rejectsWith(assumeWithToken(issuer.token({ sub: "mallory" })), {
    type: STSServiceException,
    code: "AccessDenied",
    status: 403,
    message: /Not authorized to perform sts:AssumeRoleWithWebIdentity/,
  });
  // fromWebToken reports the same error from its own STS client.
  const provider = fromWebToken({
    roleArn: role.arn,
    webIdentityToken: issuer.token({ aud: "someone-else" }),
    clientConfig: { endpoint: server.endpoint, region: REGION, maxAttempts: 1 },
  });
  await rejectsWith(provider(), {
    type: Error,
    name: "InvalidIdentityTokenException",
    code: "InvalidIdentityToken",
    status: 400,
  });
});

test("the SDK's default credential chain reads a web identity token file", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tessera-js-pod-"));
  try {
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, issuer.token({ sub: "system:serviceaccount:default:app" }));
    const empty = path.join(dir, "empty");
    writeFileSync(empty, "");
    const script =
      'import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";\n' +
      "const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));\n" +
      "console.log(JSON.stringify(identity));\n";
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: HERE,
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_ROLE_ARN: role.arn,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_SESSION_NAME: "pod-session",
        AWS_ENDPOINT_URL_STS: server.endpoint,
        AWS_REGION: REGION,
        AWS_CONFIG_FILE: empty,
        AWS_SHARED_CREDENTIALS_FILE: empty,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    assert.equal(child.status, 0, child.stderr);
    const identity = JSON.parse(child.stdout);
    assert.equal(identity.Arn, assumedRoleArn(account, role.arn, "pod-session"));
    assert.equal(identity.UserId, `${role.roleId}:pod-session`);
    assert.equal(identity.Account, account);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a second provider's name is refused as already existing", async () => {
  await rejectsWith(
    server.iam().send(
      new CreateOpenIDConnectProviderCommand({
        Url: issuer.url,
        ClientIDList: [unique("other")],
        ThumbprintList: ["b".repeat(40)],
      }),
    ),
    {
      type: EntityAlreadyExistsException,
      name: "EntityAlreadyExistsException",
      code: "EntityAlreadyExists",
      status: 409,
    },
  );
});
