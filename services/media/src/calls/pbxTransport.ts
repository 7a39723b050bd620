// The PBX leg's PlainTransport: how it is created (on ports of the worker's slice, see PortSlice) and what
// SDP needs of it. Apart from PbxLeg so the leg stays about its streams and state.
import type { PlainTransport, Router, SrtpCryptoSuite } from 'mediasoup/types';
import { AllocationError } from '../errors.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';

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
