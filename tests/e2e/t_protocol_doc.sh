# The plugin protocol as written in doc/DESIGN.md §6 and the plain-node
# example (tests/fixtures/plugins/echo-node) agree (#20): the example lists
# in supportedMethods exactly the documented methods, answers each of them
# without an error, health with {status: "ok"}, and exits after shutdown.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
design="$here/../../doc/DESIGN.md"
worker="$here/../fixtures/plugins/echo-node/worker.js"
[ -f "$design" ] || fail "no $design"

# The method tables of §6.2 and §6.3: first column, backticked.
documented=$(awk '/^## 6\./{on=1; next} /^### 6\.4/{on=0} /^## 7\./{on=0}
	on && /^\| `[A-Za-z.]+` \|/ { gsub(/^\| `|` \|.*$/, ""); print }' "$design" | sort -u)
for m in initialize health shutdown environmentValidateConfig environmentProbe \
	environmentAcquireLease environmentResumeLease environmentReleaseLease \
	environmentDestroyLease environmentRealizeWorkspace environmentExecute; do
	printf '%s\n' "$documented" | grep -qx "$m" || fail "DESIGN.md §6 does not document $m"
done

DOCUMENTED="$documented" WORKER="$worker" timeout 30 node -e '
const { spawn } = require("child_process");
const documented = process.env.DOCUMENTED.split("\n").filter(Boolean);
const w = spawn("node", [process.env.WORKER], { stdio: ["pipe", "pipe", "inherit"] });
let buf = "", next = 1; const waiting = {};
w.stdout.on("data", (c) => {
  buf += c; let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const msg = JSON.parse(buf.slice(0, nl)); buf = buf.slice(nl + 1);
    if (waiting[msg.id]) waiting[msg.id](msg);
  }
});
const call = (method, params) => new Promise((res) => {
  const id = next++; waiting[id] = res;
  w.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
});
const die = (m) => { console.error("FAIL: " + m); process.exit(1); };
const ok = async (method, params) => {
  const r = await call(method, params);
  if (r.error) die(`${method} answered error ${JSON.stringify(r.error)}`);
  return r.result;
};
(async () => {
  const config = { greeting: "hi" };
  const init = await ok("initialize", { manifest: {}, config: {}, instanceInfo: { instanceId: "t", hostVersion: "0" }, apiVersion: 1 });
  const sup = init.supportedMethods || [];
  for (const m of documented) if (!sup.includes(m)) die(`supportedMethods lacks documented ${m}`);
  for (const m of sup) if (!documented.includes(m)) die(`supportedMethods has undocumented ${m}`);
  const h = await ok("health", {});
  if (!h || h.status !== "ok") die(`health: ${JSON.stringify(h)}`);
  const base = { driverKey: "echo-node", companyId: "envctl", environmentId: "e", config };
  if (!(await ok("environmentValidateConfig", base)).ok) die("validate not ok");
  if (!(await ok("environmentProbe", base)).ok) die("probe not ok");
  const lid = "protocoldoc" + process.pid;
  const acq = await ok("environmentAcquireLease", { ...base, runId: "r", envctlLeaseId: lid });
  if (!acq.providerLeaseId) die("acquire: no providerLeaseId");
  const lease = { providerLeaseId: acq.providerLeaseId, metadata: acq.metadata || {} };
  await ok("environmentResumeLease", { ...base, providerLeaseId: lease.providerLeaseId, leaseMetadata: lease.metadata });
  if (!(await ok("environmentRealizeWorkspace", { ...base, lease, workspace: {} })).cwd) die("realize: no cwd");
  const ex = await ok("environmentExecute", { ...base, lease, command: "sh", args: ["-c", "echo x"] });
  if (ex.exitCode !== 0 || ex.stdout !== "x\n") die(`execute: ${JSON.stringify(ex)}`);
  await ok("environmentReleaseLease", { ...base, providerLeaseId: lease.providerLeaseId, leaseMetadata: lease.metadata });
  await ok("environmentDestroyLease", { ...base, providerLeaseId: null, leaseMetadata: { envctlLeaseId: lid } });
  const nf = await call("noSuchMethod", {});
  if (!nf.error || nf.error.code !== -32601) die(`unknown method: ${JSON.stringify(nf)}`);
  w.on("exit", () => process.exit(0));
  const s = await call("shutdown", {});
  if (s.error || s.result !== null) die(`shutdown: ${JSON.stringify(s)}`);
})();
' || fail "echo-node does not follow doc/DESIGN.md §6"

# And through envctl: plugin restart asks health.
export ENVCTL_PLUGIN_PATH="$here/../fixtures/plugins"
expect_rc 0 envctl plugin restart echo-node
