// The tessera server under test, for the AWS SDK for JavaScript v3 tests.
//
// Mirrors tests/compat/python/harness.py: the real binary named by
// TESSERA_BIN runs `tessera serve` over a temporary data directory on a free
// port of 127.0.0.1; on its first start it bootstraps the directory (store,
// key ring, an account and its root key in DATA/root-credentials, profile
// [tessera-root]), and it is ready once GET /healthz answers 200. Nothing
// from the caller's AWS configuration reaches the SDK.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { STSClient } from "@aws-sdk/client-sts";

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
export const REGION = "us-east-1";
export const ROOT_PROFILE = "tessera-root";
export const ENCODED_MARKER = ". Encoded authorization failure message: ";
export const ACCOUNT_RE = /^\d{12}$/;
export const AKIA_RE = /^AKIA[A-Z2-7]{16}$/;
export const ASIA_RE = /^ASIA[A-Z2-7]{16}$/;

// ---------------------------------------------------------------------------
// Isolation of the SDK from the caller's environment (as conftest.py does for
// boto3): no AWS_* variable, empty config and credentials files, no IMDS.
// ---------------------------------------------------------------------------

const isolation = mkdtempSync(path.join(tmpdir(), "tessera-js-aws-"));
const emptyConfig = path.join(isolation, "empty-config");
writeFileSync(emptyConfig, "");
for (const name of Object.keys(process.env)) {
  if (name.startsWith("AWS_")) delete process.env[name];
}
process.env.AWS_CONFIG_FILE = emptyConfig;
process.env.AWS_SHARED_CREDENTIALS_FILE = emptyConfig;
process.env.AWS_EC2_METADATA_DISABLED = "true";
// The pinned SDK runs on Node.js 20; its notice that later releases will need
// a newer Node.js is no finding of these tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.on("exit", () => rmSync(isolation, { recursive: true, force: true }));

/** The tessera binary under test, from TESSERA_BIN. */
export function tesseraBin() {
  const value = process.env.TESSERA_BIN;
  if (!value) {
    throw new Error(
      "TESSERA_BIN is not set: point it at the tessera binary " +
        "(e.g. TESSERA_BIN=target/debug/tessera) before running the compat tests",
    );
  }
  const resolved = path.resolve(value);
  accessSync(resolved, constants.X_OK);
  return resolved;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The profiles of an INI credentials file: name -> {accessKeyId, secretAccessKey}. */
export function readProfiles(file) {
  const profiles = {};
  let current = null;
  for (const raw of readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = profiles[section[1].trim()] = {};
      continue;
    }
    const eq = line.indexOf("=");
    if (current && eq > 0) current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.fromEntries(
    Object.entries(profiles).map(([name, p]) => [
      name,
      { accessKeyId: p.aws_access_key_id, secretAccessKey: p.aws_secret_access_key },
    ]),
  );
}

/** The credentials of an STS response's `Credentials`, as the SDK takes them. */
export function fromSts(credentials) {
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------

/** One `tessera serve` process over a temporary data directory. */
export class TesseraServer {
  constructor({ extraArgs = [] } = {}) {
    this.binary = tesseraBin();
    this.extraArgs = extraArgs;
    this.workdir = mkdtempSync(path.join(tmpdir(), "tessera-js-"));
    this.dataDir = path.join(this.workdir, "data");
    this.logPath = path.join(this.workdir, "server.log");
    this.port = null;
    this.proc = null;
  }

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The environment of tessera itself: the caller's, less TESSERA_*, AWS_* and RUST_LOG. */
  serverEnv() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith("TESSERA_") && !k.startsWith("AWS_") && k !== "RUST_LOG") env[k] = v;
    }
    env.NO_COLOR = "1";
    return env;
  }

  /** Starts the server on a free port and waits for /healthz (three tries at most). */
  async start() {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.port = await freePort();
      const log = openSync(this.logPath, "a");
      writeFileSync(log, `\n=== start on port ${this.port}\n`);
      this.proc = spawn(
        this.binary,
        ["serve", "--data-dir", this.dataDir, "--listen", `127.0.0.1:${this.port}`, ...this.extraArgs],
        { cwd: this.workdir, env: this.serverEnv(), stdio: ["ignore", log, log] },
      );
      closeSync(log);
      this.exited = new Promise((resolve) => this.proc.once("exit", resolve));
      if (await this.waitHealthy()) return this;
      await this.stop();
    }
    throw new Error(
      `tessera serve did not become healthy on 127.0.0.1:${this.port}\n` +
        `--- server log (tail) ---\n${this.logTail()}`,
    );
  }

  async waitHealthy() {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return false;
      try {
        const response = await fetch(`${this.endpoint}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) return true;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    return false;
  }

  /** Stops the server (SIGTERM, then SIGKILL after STOP_TIMEOUT_MS). */
  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Stops the server and removes its working directory. */
  async close() {
    await this.stop();
    rmSync(this.workdir, { recursive: true, force: true });
  }

  logTail(lines = 40) {
    try {
      return readFileSync(this.logPath, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** Runs the tessera command line (e.g. `account create`); returns {status, stdout, stderr}. */
  tessera(...args) {
    const result = spawnSync(this.binary, args, {
      cwd: this.workdir,
      env: this.serverEnv(),
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (result.status !== 0) {
      throw new Error(`tessera ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  // ---- credentials and clients -------------------------------------------

  get credentialsFile() {
    return path.join(this.dataDir, "root-credentials");
  }

  profiles() {
    return readProfiles(this.credentialsFile);
  }

  /** The bootstrap account's root key. */
  get root() {
    return this.profiles()[ROOT_PROFILE];
  }

  /** The SDK configuration of a client of this server signing with `credentials`. */
  clientConfig(credentials) {
    return {
      endpoint: this.endpoint,
      region: REGION,
      credentials: credentials ?? this.root,
      maxAttempts: 1,
    };
  }

  /** An STS client signing with `credentials` (the root by default). */
  sts(credentials) {
    return new STSClient(this.clientConfig(credentials));
  }

  /** An IAM client signing with `credentials` (the root by default). */
  iam(credentials) {
    return new IAMClient(this.clientConfig(credentials));
  }
}

/** Starts a server; `t.after` (or the caller) closes it. */
export async function startServer(options) {
  const server = new TesseraServer(options);
  try {
    await server.start();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/**
 * `test` of node:test whose failures carry the tail of the server's log;
 * `server` is a function returning the file's server (started in `before`).
 */
export function testWithLog(test, server) {
  return (name, fn) =>
    test(name, async (t) => {
      try {
        await fn(t);
      } catch (error) {
        const srv = server();
        if (srv && error && typeof error === "object") {
          error.message = `${error.message}\n--- tessera log (tail) ---\n${srv.logTail()}`;
        }
        throw error;
      }
    });
}

/**
 * Asserts that `promise` rejects with the SDK's exception for an AWS error:
 * an instance of `type` (a modeled exception, or the service's base
 * exception for codes the model does not name) called `name`, with the AWS
 * error code `code`, the HTTP status `status` and, if given, a message
 * matching `message` (a string to equal or a RegExp). Returns the error.
 */
export async function rejectsWith(promise, { type, name, code, status, message }) {
  let caught;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected ${code}, but the call succeeded`);
  assert.ok(caught instanceof type, `expected a ${type.name}, got ${caught?.constructor?.name}: ${caught}`);
  assert.equal(caught.name, name ?? code);
  assert.equal(caught.Error?.Code, code, `AWS error code of ${caught}`);
  assert.equal(caught.$metadata?.httpStatusCode, status, `HTTP status of ${caught}`);
  assert.equal(caught.$fault, status >= 500 ? "server" : "client");
  if (message instanceof RegExp) assert.match(caught.message, message);
  else if (message !== undefined) assert.equal(caught.message, message);
  return caught;
}

/** The encoded authorization message at the end of an AccessDenied message. */
export function encodedMessageOf(error) {
  const at = error.message.indexOf(ENCODED_MARKER);
  assert.ok(at > 0, `no encoded authorization message in ${JSON.stringify(error.message)}`);
  return error.message.slice(at + ENCODED_MARKER.length).trim();
}

// ---------------------------------------------------------------------------
// Policies and names
// ---------------------------------------------------------------------------

/** A name unique to this run: `prefix-` and ten hex digits. */
export function unique(prefix) {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

/** A policy document (JSON text) of the statements. */
export function documentOf(...statements) {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** An Allow statement of `action` on `resource`, with an optional condition. */
export function allow(action, resource = "*", condition) {
  return { Effect: "Allow", Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

/** A trust policy letting `principal` call `action`. */
export function trust(principal, action = "sts:AssumeRole", condition) {
  return documentOf({
    Effect: "Allow",
    Principal: principal,
    Action: action,
    ...(condition ? { Condition: condition } : {}),
  });
}

/** The ARN of a role's session, as STS names it. */
export function assumedRoleArn(account, roleArn, session) {
  return `arn:aws:sts::${account}:assumed-role/${roleArn.split("/").pop()}/${session}`;
}

/** `text` as a RegExp source matching it literally. */
export function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Asserts that `date` is a Date about `seconds` from now (within `slack` seconds). */
export function assertExpiresIn(date, seconds, slack = 60) {
  assert.ok(date instanceof Date, `expected a Date, got ${date}`);
  const left = (date.getTime() - Date.now()) / 1000;
  assert.ok(Math.abs(left - seconds) <= slack, `expires in ${left} s, expected about ${seconds} s`);
}

/**
 * A user with an access key and, if statements are given, an inline policy
 * of them, made through `iam`: {name, arn, userId, credentials}.
 */
export async function makeUser(iam, ...statements) {
  const name = unique("user");
  const { User } = await iam.send(new CreateUserCommand({ UserName: name }));
  if (statements.length) {
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: "inline", PolicyDocument: documentOf(...statements) }),
    );
  }
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    name,
    arn: User.Arn,
    userId: User.UserId,
    credentials: { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey },
  };
}

/**
 * A role of `trustPolicy` with, if statements are given, an inline policy of
 * them; `extra` goes into CreateRole (e.g. MaxSessionDuration): {name, arn, roleId}.
 */
export async function makeRole(iam, trustPolicy, statements = [], extra = {}) {
  const name = unique("role");
  const { Role } = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy, ...extra }),
  );
  if (statements.length) {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: name, PolicyName: "inline", PolicyDocument: documentOf(...statements) }),
    );
  }
  return { name, arn: Role.Arn, roleId: Role.RoleId };
}
