// '@ucserver/testkit/werift': the werift softphone, apart from the main surface so that suites without
// WebRTC do not load werift.
export { WeriftPhone, type ReceivedRtp } from './WeriftPhone.ts';
export type { PhoneCodec, WeriftPhoneOptions } from './WeriftPhoneTypes.ts';
