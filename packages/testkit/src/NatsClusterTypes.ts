// Contract of NatsCluster.
export interface NatsClusterOptions {
  /** Number of servers. Default 3 (JetStream replicas 3 survive the loss of any one). */
  size?: number;
  /** Cluster name (all servers). Default 'ucs'. */
  name?: string;
  /** One server per host (TestNetwork hosts), on its address, routes on 6222; `size` is their number. */
  hosts?: ReadonlyArray<{ address: string; netns: string }>;
  /** Extra command-line arguments for every server. */
  args?: string[];
}
