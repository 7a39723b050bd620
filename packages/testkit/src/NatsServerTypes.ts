// Contract of NatsServer.
export interface NatsServerOptions {
  /** JetStream in a private store (ignored with `config`, which says it itself). Default true. */
  jetstream?: boolean;
  /**
   * A config file (e.g. with `authorization` and `tls`): the server runs it, with the listener moved to
   * 127.0.0.1 and an ephemeral port (and `args` added).
   */
  config?: string;
  /** Extra command-line arguments (e.g. `-m -1` for an ephemeral monitoring port). */
  args?: string[];
  /** The address to listen on (default 127.0.0.1); a TestNetwork host's, with `netns`. */
  host?: string;
  /** Run it in this network namespace (`ip netns exec`, which execs: the pid is nats-server's). */
  netns?: string;
  /** Extra environment (a config may reference `$VARIABLES`). */
  env?: Record<string, string>;
}
