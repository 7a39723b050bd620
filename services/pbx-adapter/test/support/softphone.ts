import type { WeriftPhoneOptions } from '@ucserver/testkit/werift';

/** The softphones of these suites offer PCMU only, so what the PBX side hears can be checked as G.711 tones. */
export const pbxSoftphone: WeriftPhoneOptions = { codecs: ['PCMU'], telephoneEvent: false, headerExtensions: false };
