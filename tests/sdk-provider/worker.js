// A sandbox provider written only against @paperclipai/plugin-sdk: envctl
// must run it unmodified.
import { definePlugin, runWorker } from "@paperclipai/plugin-sdk";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "sdk://";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const rootOf = (config) => config.root || join(tmpdir(), "envctl-sdk-leases");

function leaseDir(config, providerLeaseId) {
  const id = typeof providerLeaseId === "string" && providerLeaseId.startsWith(PREFIX)
    ? providerLeaseId.slice(PREFIX.length) : "";
  if (!UUID.test(id)) throw new Error(`not an sdk-local lease: ${providerLeaseId}`);
  return join(rootOf(config), id);
}

function metadataOf(config, extra) {
  // Everything but the secret: lease metadata is stored by the host.
  const { apiToken, ...rest } = config;
  return { ...rest, reuseLease: config.reuseLease === true, ...extra };
}

const plugin = definePlugin({
  async setup(ctx) {
    ctx.logger.info("sdk test provider ready");
  },

  async onHealth() {
    return { status: "ok", message: "sdk test provider" };
  },

  async onEnvironmentValidateConfig({ config }) {
    const errors = [];
    if (config.root !== undefined && !String(config.root).startsWith("/")) {
      errors.push("root must be an absolute path");
    }
    if (errors.length) return { ok: false, errors };
    return { ok: true, warnings: [], normalizedConfig: { ...config, greeting: config.greeting ?? "hello" } };
  },

  async onEnvironmentProbe({ config, driverKey }) {
    return {
      ok: true,
      summary: `${driverKey} ready in ${rootOf(config)}; token ${config.apiToken ? "present" : "absent"}`,
      diagnostics: [{ severity: "info", message: `node ${process.version}` }],
      metadata: { root: rootOf(config) },
    };
  },

  async onEnvironmentAcquireLease({ config, runId, environmentId }) {
    const id = randomUUID();
    mkdirSync(join(rootOf(config), id), { recursive: true });
    return { providerLeaseId: PREFIX + id, metadata: metadataOf(config, { runId, environmentId, leaseDir: join(rootOf(config), id) }) };
  },

  async onEnvironmentResumeLease({ config, providerLeaseId }) {
    const dir = leaseDir(config, providerLeaseId);
    if (!existsSync(dir)) return { providerLeaseId: null };
    return { providerLeaseId, metadata: metadataOf(config, { leaseDir: dir }) };
  },

  async onEnvironmentReleaseLease({ config, providerLeaseId, leaseMetadata }) {
    if (config.reuseLease === true || leaseMetadata?.reuseLease === true) return;
    rmSync(leaseDir(config, providerLeaseId), { recursive: true, force: true });
  },

  async onEnvironmentDestroyLease({ config, providerLeaseId }) {
    rmSync(leaseDir(config, providerLeaseId), { recursive: true, force: true });
  },

  async onEnvironmentExecute({ config, lease, command, args, stdin, timeoutMs }) {
    const r = spawnSync(command, args ?? [], {
      cwd: leaseDir(config, lease.providerLeaseId),
      input: stdin,
      timeout: timeoutMs,
      encoding: "utf8",
      env: { PATH: process.env.PATH, GREETING: config.greeting ?? "" },
    });
    return {
      exitCode: r.status,
      signal: r.signal,
      timedOut: r.error?.code === "ETIMEDOUT",
      stdout: r.stdout ?? "",
      stderr: r.stderr ?? "",
    };
  },
});

export default plugin;
runWorker(plugin, import.meta.url);
