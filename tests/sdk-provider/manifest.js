// The plugin manifest, as Paperclip's host loads it: the module's default
// export. `envctl plugin import` evaluates it once with node.
const manifest = {
  id: "envctl-test.sdk-provider",
  apiVersion: 1,
  version: "0.1.0",
  displayName: "SDK test provider",
  description: "Leases are directories on this machine; commands run there with child_process.",
  author: "envctl tests",
  categories: ["workspace"],
  capabilities: ["environment.drivers.register"],
  entrypoints: { worker: "./worker.js" },
  environmentDrivers: [
    {
      driverKey: "sdk-local",
      kind: "sandbox_provider",
      displayName: "SDK local directory",
      description: "A directory per lease under root; for tests.",
      configSchema: {
        type: "object",
        properties: {
          root: { type: "string", title: "Root", description: "Absolute directory for lease directories." },
          greeting: { type: "string", default: "hello" },
          apiToken: { type: "string", format: "secret-ref", title: "API token" },
          reuseLease: { type: "boolean", default: false },
        },
      },
    },
  ],
};

export default manifest;
