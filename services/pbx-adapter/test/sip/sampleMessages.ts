// Small message builders shared by the SIP tests.
import { createRequest, createResponse, parseSipUri, type SipRequest, type SipResponse } from '../../src/sip/mod.ts';

export interface SampleRequestOptions {
  method?: string;
  uri?: string;
  branch?: string;
  via?: string;
  cseq?: number;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  extra?: Array<[string, string]>;
  body?: string;
}

export const sampleRequest = (o: SampleRequestOptions = {}): SipRequest => {
  const method = o.method ?? 'INVITE';
  const headers: Array<[string, string]> = [
    ['Via', o.via ?? `SIP/2.0/UDP 192.0.2.10:5060;branch=${o.branch ?? 'z9hG4bK776asdhds'}`],
    ['Max-Forwards', '70'],
    ['To', `Bob <sip:bob@biloxi.example.com>${o.toTag ? `;tag=${o.toTag}` : ''}`],
    ['From', `Alice <sip:alice@atlanta.example.com>;tag=${o.fromTag ?? '1928301774'}`],
    ['Call-ID', o.callId ?? 'a84b4c76e66710@pc33.atlanta.example.com'],
    ['CSeq', `${o.cseq ?? 314159} ${method}`],
    ['Contact', '<sip:alice@pc33.atlanta.example.com>'],
    ...(o.extra ?? []),
  ];
  return createRequest({ method, uri: parseSipUri(o.uri ?? 'sip:bob@biloxi.example.com'), headers, body: o.body });
};

export const sampleResponse = (request: SipRequest, status: number, toTag = 'a6c85cf', extra: Array<[string, string]> = []): SipResponse =>
  createResponse(request, status, { toTag, headers: [['Contact', '<sip:bob@192.0.2.4>'], ...extra] });
