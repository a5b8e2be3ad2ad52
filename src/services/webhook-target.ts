import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

// Where a webhook may send (API.md, Webhooks, SSRF). Checked at registration and again at every
// delivery, on the address the connection then goes to: the delivery's `lookup` (below) resolves
// the name, refuses it unless every address is allowed, and hands net.connect the checked address,
// so a DNS answer that changes between the check and the connection cannot reach a private host.

export interface TargetPolicy {
  /** Production: only https URLs. */
  httpsOnly: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: loopback, private and link-local addresses are allowed (local development). */
  allowPrivate: boolean;
}

/** A URL or an address the policy refuses; `message` says why, for the caller. */
export class TargetRefused extends Error {
  override readonly name = 'TargetRefused';
}

/**
 * Only global unicast: ipaddr.js names every special range (loopback, private, linkLocal —
 * 169.254.169.254, the cloud metadata address, is one —, uniqueLocal, multicast, carrierGradeNat,
 * reserved, unspecified, broadcast, 6to4, teredo, NAT64…). IPv4-mapped IPv6 (::ffff:127.0.0.1) is
 * judged as the IPv4 address it carries.
 */
export function addressAllowed(address: string, policy: TargetPolicy): boolean {
  if (policy.allowPrivate) return true;
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

function checkAddress(address: string, policy: TargetPolicy): void {
  if (!addressAllowed(address, policy)) {
    throw new TargetRefused(`${address} is not a public address (loopback, private, link-local, multicast and metadata addresses are refused)`);
  }
}

/** The URL's host as an address, when it is an IP literal (brackets of IPv6 removed); else null. */
function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) ? host : null;
}

/** The URL's syntax and scheme: throws TargetRefused. */
export function checkUrlShape(raw: string, policy: TargetPolicy): URL {
  if (!URL.canParse(raw)) throw new TargetRefused('is not an absolute URL');
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('must be an https:// URL');
  if (policy.httpsOnly && url.protocol !== 'https:') throw new TargetRefused('must be an https:// URL (plain http is refused in production)');
  if (url.username !== '' || url.password !== '') throw new TargetRefused('must not carry a user name or password');
  if (url.hash !== '') throw new TargetRefused('must not have a #fragment');
  const literal = literalAddress(url);
  if (literal !== null) checkAddress(literal, policy);
  return url;
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/** The checked addresses of a name: every one must be allowed (one private answer refuses the name). */
export async function resolveTarget(hostname: string, policy: TargetPolicy): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(hostname);
  } catch {
    throw new TargetRefused(`its host ${hostname} does not resolve`);
  }
  if (addresses.length === 0) throw new TargetRefused(`its host ${hostname} does not resolve`);
  for (const { address } of addresses) checkAddress(address, policy);
  return addresses;
}

/** Registration: the URL's shape, and its host's addresses now. */
export async function checkTargetUrl(raw: string, policy: TargetPolicy): Promise<void> {
  const url = checkUrlShape(raw, policy);
  if (literalAddress(url) === null && !policy.allowPrivate) await resolveTarget(url.hostname, policy);
}

/**
 * The `lookup` for net.connect: resolves, checks every address, answers only checked ones.
 * net.connect calls it for names only (an IP literal is checked by checkUrlShape before the
 * request), with `all: true` when it tries several addresses (autoSelectFamily).
 */
export function checkedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveTarget(hostname, policy).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family === undefined ? addresses : addresses.filter((a) => a.family === family);
        if (usable.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        if (options.all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}
