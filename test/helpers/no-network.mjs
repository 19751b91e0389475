// Preloaded (NODE_OPTIONS=--import) into the CLI and every child it forks: any attempt to reach
// the network is written to $NO_NETWORK_LOG and refused. Proves the extraction path stays local.
import { appendFileSync } from "node:fs";
import dns from "node:dns";
import net from "node:net";

const log = process.env.NO_NETWORK_LOG;
function refuse(what) {
  if (log) appendFileSync(log, `${process.pid} ${what}\n`);
  throw new Error(`network access refused in this test: ${what}`);
}
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const [first] = args;
  // Local IPC (the child's channel, unix sockets) is not the network.
  if (typeof first === "string" || (first && typeof first === "object" && "path" in first)) return originalConnect.apply(this, args);
  return refuse(`net connect ${JSON.stringify(first)}`);
};
dns.lookup = (host) => refuse(`dns lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
globalThis.fetch = async (url) => refuse(`fetch ${url}`);
