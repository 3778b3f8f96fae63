/**
 * Address maths for a bench, on top of the `ip-address` library. Pure functions, no Pulumi.
 * Everything that needs an address (kubeadm, kubelet, nodelocaldns, the checks) reads the values these produce.
 */
import { Address4 } from "ip-address";

/** Parses "a.b.c.d/n" strictly; returns undefined when it is not an IPv4 CIDR. */
export function parseCidr(text: string): Address4 | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !Address4.isValid(text)) return undefined;
  return new Address4(text);
}

/** True when `text` is a dotted-quad IPv4 address without a prefix length. */
export function isIpv4(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) && Address4.isValid(text);
}

/** The network form of a CIDR: "10.27.4.12/24" -> "10.27.4.0/24". */
export function networkOf(cidr: string): string {
  const a = new Address4(cidr);
  return `${a.startAddress().correctForm()}/${a.subnetMask}`;
}

/** True when `cidr` is already in network form (no host bits set). */
export function isNetworkForm(cidr: string): boolean {
  return networkOf(cidr) === cidr;
}

/** The n-th address of a network (0 is the network address itself). Throws if it falls outside. */
export function nthAddress(cidr: string, n: number): string {
  const net = new Address4(networkOf(cidr));
  const size = 2n ** BigInt(32 - net.subnetMask);
  if (n < 0 || BigInt(n) >= size) throw new RangeError(`${cidr} has no address number ${n}`);
  return Address4.fromBigInt(net.startAddress().bigInt() + BigInt(n)).correctForm();
}

/** True when the two networks share at least one address. */
export function overlaps(a: string, b: string): boolean {
  const x = new Address4(networkOf(a));
  const y = new Address4(networkOf(b));
  return x.isInSubnet(y) || y.isInSubnet(x);
}

/** True when address `ip` lies inside network `cidr`. */
export function contains(cidr: string, ip: string): boolean {
  return new Address4(ip).isInSubnet(new Address4(networkOf(cidr)));
}

/**
 * Splits `subnet` into consecutive prefixes of length `prefixLength` and returns the first `count`, as
 * the controller-manager's range allocator hands them out in node registration order.
 */
export function splitSubnet(subnet: string, prefixLength: number, count: number): string[] {
  const parent = new Address4(networkOf(subnet));
  if (prefixLength < parent.subnetMask) {
    throw new RangeError(`/${prefixLength} prefixes do not fit in ${subnet}`);
  }
  const available = 2n ** BigInt(prefixLength - parent.subnetMask);
  if (BigInt(count) > available) {
    throw new RangeError(`${subnet} holds only ${available} /${prefixLength} prefixes, ${count} needed`);
  }
  const out: string[] = [];
  let next = new Address4(`${parent.startAddress().correctForm()}/${prefixLength}`);
  for (let i = 0; i < count; i++) {
    out.push(`${next.startAddress().correctForm()}/${prefixLength}`);
    next = next.nextNetwork();
  }
  return out;
}

/** Number of addresses in a network. */
export function sizeOf(cidr: string): bigint {
  return 2n ** BigInt(32 - new Address4(cidr).subnetMask);
}
