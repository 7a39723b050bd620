/**
 * The SIP stack of the pbx-adapter (RFC 3261 with RFC 3581, 5626 keep-alives, 6026, 7616, 4028 headers).
 * This barrel is the only import path for the rest of the service. Layers, bottom-up:
 *
 *  - Messages: `parseMessage` / `serializeMessage`, `SipHeaders` (raw + typed accessors), URIs, header
 *    value codecs, `createRequest` / `createResponse`, `createErrorResponse` (400 for unparsable requests).
 *  - Framing: `StreamFramer` turns TCP/TLS bytes into messages and CRLF keep-alives.
 *  - Digest: `createDigestCredentials`, `DigestClient` (401/407 loop), `verifyDigestCredentials` (server).
 *  - Transactions: the four RFC 3261 §17 / RFC 6026 state machines driven by one timer table and an
 *    injectable `Clock`, and `TransactionLayer` matching messages to them.
 *  - Transports: `UdpTransport`, `TcpTransport` (TLS with certificates), Via received/rport handling.
 *  - Dialogs: `Dialog` (UAC/UAS creation, route set, CSeq, target refresh, in-dialog requests, 2xx ACK).
 *
 * Errors are `SipException` subclasses with stable codes (see errors.ts); malformed input never throws
 * anything but `SipParseError`, and sockets never let an exception reach the event loop.
 */

// ---- errors -------------------------------------------------------------------------------------
export {
  DialogError,
  DigestError,
  InvalidStateError,
  SipError,
  sipErrorCatalogue,
  SipErrorCodes,
  SipException,
  SipParseError,
  SipParseErrorReason,
  SipTimeoutError,
  TransactionLimitError,
  TransactionStateError,
  TransportError,
} from './errors.ts';
export type { PartialMessage, RawHeaderField, SipErrorCode, SipParseErrorOptions } from './errors.ts';

// ---- URIs and header values ---------------------------------------------------------------------
export {
  checkHost,
  cloneUri,
  createSipUri,
  formatUri,
  isSipUri,
  isTelUri,
  parseHostPort,
  parseSipUri,
  parseUri,
  unescapeUriComponent,
  uriEquals,
} from './uri.ts';
export type { AbsoluteUri, Params, SipUri, TelUri, Uri } from './uri.ts';
export { COMPACT_FORMS, canonicalHeaderName, isListHeader } from './headerNames.ts';
export { cloneNameAddr, createNameAddr, expiresOf, formatNameAddr, parseNameAddr, parseNameAddrList, tagOf } from './headers/nameAddr.ts';
export type { NameAddr } from './headers/nameAddr.ts';
export {
  createVia,
  formatVia,
  isRfc3261Branch,
  parseVias,
  viaBranch,
  viaMaddr,
  viaReceived,
  viaRport,
  viaSentBy,
  viaTtl,
} from './headers/via.ts';
export type { Via } from './headers/via.ts';
export { formatCSeq, parseCSeq } from './headers/cseq.ts';
export type { CSeq } from './headers/cseq.ts';
export { formatChallenge, formatCredentials, parseChallenges, parseCredentials } from './headers/auth.ts';
export type { AuthChallenge, AuthCredentials } from './headers/auth.ts';
export {
  formatMediaType,
  formatSessionExpires,
  parseContentLength,
  parseDeltaSeconds,
  parseMaxForwards,
  parseMediaType,
  parseMinSE,
  parseSessionExpires,
  parseTokenList,
} from './headers/scalar.ts';
export type { MediaType, SessionExpires } from './headers/scalar.ts';
export { formatHeaderParams, splitHeaderList } from './headers/params.ts';

// ---- messages -----------------------------------------------------------------------------------
export { SipHeaders } from './SipHeaders.ts';
export type { HeaderField } from './SipHeaders.ts';
export {
  cloneMessage,
  createRequest,
  createResponse,
  describeMessage,
  generateBranch,
  generateCallId,
  generateTag,
} from './message.ts';
export type { CreateRequestOptions, CreateResponseOptions, HeaderInit, SipMessage, SipRequest, SipResponse } from './message.ts';
export { reasonPhrase } from './statusCodes.ts';
export { DEFAULT_MAX_MESSAGE_SIZE, parseMessage, safeParseMessage } from './parse.ts';
export type { ParseOptions, ParseResult } from './parse.ts';
export { serializeHead, serializeMessage } from './serialize.ts';
export { createErrorResponse } from './rejection.ts';
export { safeEmit } from './safeEmit.ts';
export { createCancel, createNon2xxAck } from './requests.ts';
export { destinationOfUri, nextHop } from './routing.ts';

// ---- framing ------------------------------------------------------------------------------------
export { StreamFramer } from './StreamFramer.ts';
export type { FramedItem, StreamFramerOptions } from './StreamFramer.ts';

// ---- digest -------------------------------------------------------------------------------------
export {
  computeDigestResponse,
  createDigestChallenge,
  createDigestCredentials,
  DigestAlgorithm,
  formatNonceCount,
  normalizeAlgorithm,
  selectDigestChallenges,
  toDigestChallenge,
  verifyDigestCredentials,
} from './digest.ts';
export type {
  CreateChallengeOptions,
  DigestAnswerOptions,
  DigestChallenge,
  DigestResponseParams,
  DigestSecret,
  DigestVerifyResult,
  VerifyDigestOptions,
} from './digest.ts';
export { DigestClient } from './DigestClient.ts';
export type { DigestClientOptions, DigestCredentialEntry, DigestCredentialSource } from './DigestClient.ts';

// ---- timers and transactions --------------------------------------------------------------------
export { DEFAULT_TIMER_CONFIG, systemClock, timerValues } from './timers.ts';
export type { Clock, TimerConfig, TimerHandle, TimerName, TimerValues } from './timers.ts';
export { TransactionKind, TransactionState } from './transactions/TransactionTypes.ts';
export type {
  ClientTransactionEvents,
  InviteServerTransactionEvents,
  InviteServerTransactionOptions,
  NonInviteServerTransactionEvents,
  TransactionEvents,
  TransactionOptions,
  TransactionTransport,
  TransitionTable,
} from './transactions/TransactionTypes.ts';
export { Transaction } from './transactions/Transaction.ts';
export { InviteClientTransaction } from './transactions/InviteClientTransaction.ts';
export { NonInviteClientTransaction } from './transactions/NonInviteClientTransaction.ts';
export { InviteServerTransaction } from './transactions/InviteServerTransaction.ts';
export { NonInviteServerTransaction } from './transactions/NonInviteServerTransaction.ts';
export { TransactionLayer } from './transactions/TransactionLayer.ts';
export { MessageDropReason } from './transactions/TransactionLayerTypes.ts';
export type {
  ClientTransaction,
  ServerTransaction,
  TransactionLayerEvents,
  TransactionLayerOptions,
} from './transactions/TransactionLayerTypes.ts';
export { clientKeyOfResponse, clientTransactionKey, inviteAckKey, serverTransactionKey } from './transactions/matching.ts';

// ---- transports ---------------------------------------------------------------------------------
export { UdpTransport } from './transport/UdpTransport.ts';
export type { UdpTransportOptions } from './transport/UdpTransport.ts';
export { TcpTransport } from './transport/TcpTransport.ts';
export type { TcpTransportOptions, TlsOptions } from './transport/TcpTransport.ts';
export { defaultPort, responseDestination, stampReceived } from './transport/viaProcessing.ts';
export type {
  Destination,
  Endpoint,
  MessageSource,
  SipTransport,
  SipTransportEvents,
  TransportOptions,
  TransportProtocol,
  TransportStats,
} from './transport/TransportTypes.ts';

// ---- dialogs ------------------------------------------------------------------------------------
export { Dialog } from './dialogs/Dialog.ts';
export { DialogState } from './dialogs/DialogTypes.ts';
export type { DialogDump, DialogId, DialogRecord, DialogRole, InDialogRequestOptions } from './dialogs/DialogTypes.ts';
export { dialogIdOfIncomingRequest, dialogIdOfIncomingResponse, dialogKey } from './dialogs/dialogId.ts';
