// The PBX leg's PlainTransport: how it is created (on the worker's range, or re-created on the leg's ports)
// and what SDP needs of it. Apart from PbxLeg so the leg stays about its streams and state.
import type { PlainTransport, Router, SrtpCryptoSuite, SrtpParameters } from 'mediasoup/types';
import { AllocationError } from '../errors.ts';
import type { MediaWorker } from '../workers/MediaWorker.ts';

/** A transport's local ports and SDES key (fixed for its life). */
export interface OwnTuple {
  port: number;
  rtcpPort: number | undefined;
  srtp: SrtpParameters | undefined;
}

export function ownTuple(transport: PlainTransport): OwnTuple {
  return { port: transport.tuple.localPort, rtcpPort: transport.rtcpTuple?.localPort, srtp: transport.srtpParameters };
}

export async function createTransport(
  router: Router,
  worker: MediaWorker,
  rtcpMux: boolean,
  srtpSuite: SrtpCryptoSuite | undefined,
  fixed: { port: number; rtcpPort: number | undefined } | undefined,
): Promise<PlainTransport> {
  // SO_REUSEADDR (mediasoup's udpReusePort flag) lets the SSRC learner bind the same port. Each worker
  // has its own slice of the range, so two workers never pick the same port.
  const listen = (port: number | undefined) => ({
    protocol: 'udp' as const,
    ip: worker.listenIp,
    ...(worker.announcedAddress !== worker.listenIp ? { announcedAddress: worker.announcedAddress } : {}),
    ...(port !== undefined ? { port } : { portRange: worker.portRange }),
    flags: { udpReusePort: true },
  });
  try {
    return await router.createPlainTransport({
      listenInfo: listen(fixed?.port),
      ...(rtcpMux ? {} : { rtcpListenInfo: listen(fixed?.rtcpPort) }),
      rtcpMux,
      comedia: false,
      ...(srtpSuite ? { enableSrtp: true, srtpCryptoSuite: srtpSuite } : {}),
      appData: { leg: 'pbx' },
    });
  } catch (err) {
    throw new AllocationError(`cannot create the PBX transport on worker ${worker.index}${fixed ? ` at port ${fixed.port}` : ''}: ${(err as Error).message}`, { cause: err });
  }
}
