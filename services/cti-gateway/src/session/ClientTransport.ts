import type { RoseWireMessage } from '../codec/mod.ts';

/**
 * One client connection as the session sees it: TCP 7222 (J-framed or bare JSON, mirrored) or a
 * WebSocket (one message per text frame, wrapped in `[…]`). Transports enforce their own bounds:
 * idle timeout, frame size, unsent-bytes limit.
 */
export interface ClientTransport {
  readonly kind: 'tcp' | 'websocket' | 'rest';
  readonly remoteAddress: string;
  /** True when the bytes travel inside TLS (7225, or TCP after asnStartTLS). */
  readonly secure: boolean;
  send(message: RoseWireMessage): void;
  close(reason: string): void;
  /** TCP with a configured certificate only: switch to TLS right after the next write. */
  readonly canStartTls: boolean;
  startTls(): void;
}
