// The PBX leg's PlainTransport: how it is created (on ports of the worker's slice, see PortSlice), what
// SDP needs of it, and what it is connected to. Apart from PbxLeg so the leg stays about its streams and
// state.
import type { PlainTransport, Router, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import { TupleRegistry } from '../directMedia/TupleRegistry.ts';
import { AllocationError } from '../errors.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';
import type { PbxRemote } from './PbxLegTypes.ts';

/** What PlainTransport.connect() is given: the tuple(s) mediasoup sends to, and the PBX's SDES key. */
export interface ConnectParameters {
  ip: string;
  port: number;
  /** Only for a transport with its own RTCP port (non-mux). */
  rtcpPort?: number;
  srtpParameters?: SrtpParameters;
}

/**
 * mediasoup sends RTP to the PBX's RTP address and port and, from a separate RTCP port, RTCP to the
 * same address at a=rtcp's port (the RTP port when the PBX multiplexes). A muxed transport (`rtcpMux`)
 * has no RTCP port: the PBX's a=rtcp does not matter to it.
 */
export function connectParameters(remote: PbxRemote, rtcpMux: boolean): ConnectParameters {
  return {
    ip: remote.address,
    port: remote.port,
    ...(rtcpMux ? {} : { rtcpPort: remote.rtcpMux ? remote.port : remote.rtcpPort }),
    ...(remote.srtp ? { srtpParameters: remote.srtp } : {}),
  };
}

/** The same tuple(s) and key: connecting again would change nothing. */
export function sameConnectParameters(a: ConnectParameters, b: ConnectParameters): boolean {
  return TupleRegistry.key(a.ip, a.port) === TupleRegistry.key(b.ip, b.port)
    && a.rtcpPort === b.rtcpPort
    && a.srtpParameters?.cryptoSuite === b.srtpParameters?.cryptoSuite
    && a.srtpParameters?.keyBase64 === b.srtpParameters?.keyBase64;
}

/** For the log: the tuple, the RTCP port, whether SRTP (never the key). */
export function describeTarget(p: ConnectParameters): string {
  return `${TupleRegistry.key(p.ip, p.port)}${p.rtcpPort !== undefined ? ` rtcp:${p.rtcpPort}` : ''}${p.srtpParameters ? ' srtp' : ''}`;
}

/** The ports a PBX leg holds for its life: RTP, and RTCP when it has (or offered) a port of its own. */
export interface LegPorts {
  port: number;
  rtcpPort: number | undefined;
}

/**
 * A new leg's first transport, on ports taken from the worker's slice: `rtcpPort` books a second port
 * (for RTCP now, or for an answer without a=rtcp-mux), `rtcpMux` is how the transport itself starts. A
 * port another process holds is skipped, as mediasoup's own range allocation does.
 */
export async function createOnNewPorts(
  router: Router,
  worker: MediaWorker,
  options: { rtcpMux: boolean; rtcpPort: boolean; srtpSuite: SrtpCryptoSuite | undefined },
): Promise<{ transport: PlainTransport; ports: LegPorts }> {
  const slice = worker.ports;
  for (let attempt = 1; ; attempt++) {
    const port = slice.take();
    const rtcpPort = options.rtcpPort ? slice.take() : undefined;
    if (port === undefined || (options.rtcpPort && rtcpPort === undefined)) {
      slice.release(port);
      slice.release(rtcpPort);
      throw new AllocationError(`cannot create the PBX transport on worker ${worker.index}: no free port in ${slice.min}-${slice.max}`);
    }
    const ports = { port, rtcpPort };
    try {
      return { transport: await createTransport(router, worker, options.rtcpMux, options.srtpSuite, ports), ports };
    } catch (err) {
      slice.release(port);
      slice.release(rtcpPort);
      if (!heldElsewhere(err) || attempt >= slice.size) throw err;
    }
  }
}

/** A transport on the leg's own ports (muxed: the RTP port alone). */
export async function createTransport(
  router: Router,
  worker: MediaWorker,
  rtcpMux: boolean,
  srtpSuite: SrtpCryptoSuite | undefined,
  ports: LegPorts,
): Promise<PlainTransport> {
  // SO_REUSEADDR (mediasoup's udpReusePort flag) lets the SSRC learner bind the same port. Each worker
  // has its own slice of the range, so two workers never pick the same port.
  const listen = (port: number) => ({
    protocol: 'udp' as const,
    ip: worker.listenIp,
    ...(worker.announcedAddress !== worker.listenIp ? { announcedAddress: worker.announcedAddress } : {}),
    port,
    flags: { udpReusePort: true },
  });
  if (!rtcpMux && ports.rtcpPort === undefined) throw new AllocationError('a PBX transport without rtcp-mux needs an RTCP port');
  try {
    return await router.createPlainTransport({
      listenInfo: listen(ports.port),
      ...(rtcpMux ? {} : { rtcpListenInfo: listen(ports.rtcpPort!) }),
      rtcpMux,
      comedia: false,
      ...(srtpSuite ? { enableSrtp: true, srtpCryptoSuite: srtpSuite } : {}),
      appData: { leg: 'pbx' },
    });
  } catch (err) {
    throw new AllocationError(`cannot create the PBX transport on worker ${worker.index} at port ${ports.port}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * mediasoup could not bind a port of ours because some other socket (without SO_REUSEADDR: another
 * process) has it; its range allocation then tries the next port, and so do we. It gives up at once
 * when the address itself is unusable or the worker is out of file descriptors.
 */
function heldElsewhere(err: unknown): boolean {
  const message = err instanceof Error ? `${err.message}` : '';
  return /uv_udp_bind\(\) failed/.test(message) && !/address not available|too many open files/.test(message);
}
