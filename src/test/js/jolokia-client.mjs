// Drives jobgov's Jolokia endpoint with jolokia.js, Jolokia's JavaScript client, and prints one JSON
// line of what it saw for JolokiaJsIT to check. Usage: node jolokia-client.mjs URL MBEAN USER
// (the password comes from $JOBGOV_JOLOKIA_PASSWORD, never from the command line).
import Jolokia from "jolokia.js";

// jolokia.js builds the Basic header with window.btoa; node has btoa but no window.
globalThis.window ??= globalThis;

const [url, mbean, user] = process.argv.slice(2);
const password = process.env.JOBGOV_JOLOKIA_PASSWORD;
const anonymous = new Jolokia({ url });
const operator = new Jolokia({ url, username: user, password });

const out = {};
const version = await anonymous.request({ type: "version" });
out.version = version.value?.agent;
const active = await anonymous.request({ type: "read", mbean, attribute: "ActiveProcesses" });
out.activeProcesses = active.value;
const bulk = await anonymous.request([
  { type: "read", mbean, attribute: "JobMemoryLimitBytes" },
  { type: "read", mbean: "java.lang:type=Memory", attribute: "HeapMemoryUsage", path: "used" },
  { type: "search", mbean: "jobgov:*" },
]);
out.bulkStatus = bulk.map((r) => r.status);
out.searchFoundJob = bulk[2].value.includes(mbean);
const denied = await anonymous.request({ type: "write", mbean, attribute: "ActiveProcessLimit", value: 321 });
out.anonymousWriteStatus = denied.status;
const written = await operator.request({ type: "write", mbean, attribute: "ActiveProcessLimit", value: 321 });
out.operatorWriteStatus = written.status;
const after = await anonymous.request({ type: "read", mbean, attribute: "ActiveProcessLimit" });
out.activeProcessLimit = after.value;
console.log(JSON.stringify(out));
