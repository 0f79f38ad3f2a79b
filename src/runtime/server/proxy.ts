/**
 * `--forwarded-allow-ips`: only a peer on this list may tell us, through
 * X-Forwarded-For/-Proto/-Host, who the client is, which scheme it used and
 * which host it asked for. From anyone else those headers change nothing.
 */
import { BlockList, isIP } from 'node:net';
import { OptionError } from './options.js';

export interface Forwarded {
  remoteAddr?: string;
  scheme?: 'http' | 'https';
  host?: string;
}

export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly any: boolean;

  /** `entries`: IP addresses, CIDR ranges (`10.0.0.0/8`), or `*` for any peer. */
  constructor(entries: readonly string[]) {
    this.any = entries.includes('*');
    for (const entry of entries) {
      if (entry === '*') continue;
      const [address = '', bits, ...rest] = entry.split('/');
      const family = isIP(address);
      if (family === 0 || rest.length > 0) throw new OptionError(`--forwarded-allow-ips: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) {
        this.list.addAddress(address, type);
        continue;
      }
      // Digits only: Number('') is 0, and `10.0.0.1/` must not trust every address.
      const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new OptionError(`--forwarded-allow-ips: ${JSON.stringify(entry)} has a bad prefix length`);
      }
      this.list.addSubnet(address, prefix, type);
    }
  }

  /** Unix-socket peers (no address) are local, so trusted, as in gunicorn. */
  trusts(address: string | undefined): boolean {
    return this.any || address === undefined || this.listed(address);
  }

  /** On the list itself: `*` trusts any peer, never the hops a peer relays. */
  private listed(address: string): boolean {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * What a trusted peer's headers say. The client is the rightmost
   * X-Forwarded-For entry that is not itself a trusted proxy: entries to its
   * left were written by the client and prove nothing.
   */
  resolve(peer: string | undefined, headers: { for?: string; proto?: string; host?: string }): Forwarded {
    if (!this.trusts(peer)) return {};
    const forwarded: Forwarded = {};
    if (headers.for) {
      const hops = headers.for.split(',').map((hop) => hop.trim()).filter(Boolean);
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as string;
        forwarded.remoteAddr = hop;
        if (!this.listed(hop)) break;
      }
    }
    const proto = headers.proto?.split(',')[0]?.trim().toLowerCase();
    if (proto === 'https' || proto === 'http') forwarded.scheme = proto;
    const host = headers.host?.split(',')[0]?.trim();
    if (host) forwarded.host = host;
    return forwarded;
  }
}
