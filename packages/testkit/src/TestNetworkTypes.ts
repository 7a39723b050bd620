// Contract of TestNetwork.
export interface TestNetworkOptions {
  /**
   * Prefix of the namespace names: a host's namespace is `<prefix><pid>-<host>`. Namespaces with this
   * prefix whose process is gone (a killed earlier run) are deleted at create. Default 'ucs-tn-'.
   */
  prefix?: string;
  /** The first three octets of the /24 the hosts share. Default '10.231.0': the test gets .1, hosts .10, .11 … */
  subnet?: string;
}

/** One host of a TestNetwork: a network namespace with `lo` and `eth0` (its address) on the bridge. */
export interface TestHost {
  /** The name the test gave it ('nats-1'). */
  readonly name: string;
  /** The named network namespace (`ip netns exec <netns> …`; ManagedProcess's `netns` option). */
  readonly netns: string;
  /** Its IPv4 address on the bridge. */
  readonly address: string;
}
