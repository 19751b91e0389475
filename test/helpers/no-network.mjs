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
  // Node also calls connect with its own normalised [options, callback] array.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  // A unix socket or named pipe (tsx's and the child's IPC) is local, not the network.
  if (typeof options === "string" || (options && typeof options === "object" && options.path)) return originalConnect.apply(this, args);
  return refuse(`net connect ${JSON.stringify(options)}`);
};
dns.lookup = (host) => refuse(`dns lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
globalThis.fetch = async (url) => refuse(`fetch ${url}`);
