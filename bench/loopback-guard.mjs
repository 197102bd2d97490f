// Preloaded (`node --import`) into the local stack and the import-timing processes while the bench runs,
// so they can reach 127.0.0.1 and nothing else: a host name other than localhost is refused before any DNS
// query, and so is a TCP connection to a non-loopback address. Each refusal prints one line with the
// marker below on stderr, which the bench counts and reports.
import dns from 'node:dns';
import net from 'node:net';
import process from 'node:process';

const MARKER = '[bench loopback guard] refused';
const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain']);

function isLoopbackAddress(host) {
  return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}

function isAllowedHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node's own default: localhost
  const name = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return LOCAL_NAMES.has(name) || name.endsWith('.localhost') || isLoopbackAddress(name);
}

function refusal(host) {
  process.stderr.write(`${MARKER} ${host} (pid ${process.pid})\n`);
  const error = new Error(`${MARKER} ${host}: the bench allows 127.0.0.1 only`);
  error.code = 'ENOTFOUND';
  error.hostname = host;
  return error;
}

const originalLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (!isAllowedHost(hostname)) {
    const done = typeof options === 'function' ? options : callback;
    const error = refusal(hostname);
    process.nextTick(() => done(error));
    return {};
  }
  return originalLookup.apply(this, arguments);
};

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisesLookup(hostname, ...rest) {
  if (!isAllowedHost(hostname)) return Promise.reject(refusal(hostname));
  return originalPromisesLookup.call(this, hostname, ...rest);
};

// An IP literal skips the lookup, so connections are checked too (Unix sockets have a path, not a host).
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first !== null && typeof first === 'object') host = first.path === undefined || first.path === null ? first.host : undefined;
  else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) host = typeof args[1] === 'string' ? args[1] : undefined;
  if (host !== undefined && net.isIP(String(host).replace(/^\[|\]$/g, '')) !== 0 && !isAllowedHost(host)) {
    const error = refusal(host);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};
