import type { UdpEndpoint } from '@ucserver/shared';
import type { MediaCall } from '../calls/MediaCall.ts';
import type { CaptureSubject } from './CallCaptureTypes.ts';

/** A MediaCall as a capture sees it: read at each packet, so it follows re-INVITEs and Direct Media. */
export function captureSubject(call: MediaCall): CaptureSubject {
  return {
    id: call.id,
    get router() {
      return call.router;
    },
    get softphoneCapture() {
      const leg = call.softphoneLeg;
      if (!leg || leg.closed) return undefined;
      const tuple = leg.transport.iceSelectedTuple;
      // Only once DTLS is up does mediasoup send to the browser (no SRTP keys before): packets toward a
      // selected tuple before then are dropped, so the file must not show them either.
      const connected = tuple?.remoteIp !== undefined && tuple.remotePort !== undefined && leg.transport.dtlsState === 'connected';
      const browser: UdpEndpoint | undefined = connected ? { address: tuple.remoteIp!, port: tuple.remotePort! } : undefined;
      const node: UdpEndpoint = tuple ? { address: tuple.localAddress ?? tuple.localIp, port: tuple.localPort } : { address: call.worker.announcedAddress, port: 0 };
      return { producer: leg.producer, downlink: leg.downlink, browser, node };
    },
    get pbxCapture() {
      const leg = call.pbxLeg;
      if (!leg || leg.closed) return undefined;
      const remote = leg.remote;
      return { producer: leg.producer, uplink: leg.uplink, local: leg.local, remote: remote ? { address: remote.address, port: remote.port } : undefined, rtcpMux: leg.rtcpMux };
    },
    get pbxVideoCapture() {
      const leg = call.pbxVideoLeg;
      if (!leg || leg.closed) return undefined;
      const remote = leg.remote;
      return { producer: leg.producer, uplink: leg.uplink, local: leg.local, remote: remote ? { address: remote.address, port: remote.port } : undefined, camera: call.softphoneLeg?.videoProducer };
    },
    get onDirectMedia() {
      return call.path === 'direct';
    },
    get directPartnerProducer() {
      return call.directPartnerProducer;
    },
  };
}
